from __future__ import annotations

from tests.pipeline.conftest import sample, subs_project, worker

__all__ = ["sample", "subs_project", "worker"]
