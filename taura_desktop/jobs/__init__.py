"""Jobs: stages of the pipeline run in child processes, driven from the caller's thread.

``StageSession`` (created by name with :func:`taura_desktop.pipeline.stages.stage_session`) is
the one API the CLI and the editor share: plan work on the project,
run it in a spawned worker (cancel is immediate, a crash or out-of-memory cannot take the app
down, GPU memory is released), and apply results to the project as they arrive.
"""

from taura_desktop.jobs.messages import JobEvent
from taura_desktop.jobs.session import Stage, StageSession, run_session

__all__ = ["JobEvent", "Stage", "StageSession", "run_session"]
