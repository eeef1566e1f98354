"""kill -9 a process that is editing a project, at random moments, many times: the project
always opens and holds every edit the process reported as committed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from taura_desktop.core.project import Project

EDITOR = r"""
import sys
from pathlib import Path
from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project

path = Path(sys.argv[1])
if path.exists():
    p = Project.open(path)
else:
    p = Project.create(path, media=None, source_lang="en", target_langs=("es",))
n = len(p)
print("ready", flush=True)
while True:
    seg = Segment(f"seg{n:06d}", n * 100, n * 100 + 90, f"text {n}")
    p.apply(edits.add_segments(p.state, [seg]))
    p.apply(edits.apply_engine_translations(p.state, "es", {seg.id: f"texto {n}"}, engine="t"))
    print(n, flush=True)
    n += 1
"""


def test_kill_minus_nine_never_loses_committed_edits(tmp_path: Path) -> None:
    path = tmp_path / "crash.taura"
    rng = random.Random(1234)
    committed: set[int] = set()
    trials = 12
    for _ in range(trials):
        proc = subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        out = proc.stdout.read()
        proc.wait()
        committed.update(int(x) for x in out.split())
        with Project.open(path) as p:
            ids = {s.id for s in p.segments()}
            for n in committed:
                assert f"seg{n:06d}" in ids, f"committed edit {n} lost"
                assert p.segment(f"seg{n:06d}").translations["es"].text == f"texto {n}"
            assert p.recovered is not None  # the killed session is noticed
    assert len(committed) > trials
