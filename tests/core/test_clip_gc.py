"""Voice clips nothing uses are removed when a project closes; what undo can still bring
back in this session stays; the file gives the space back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taura_desktop.core import edits
from taura_desktop.core.clipkeys import fitted_key
from taura_desktop.core.model import FitResult, FitStatus, Segment, VoiceClip
from taura_desktop.core.project import Project


def _clip(p: Project, key: str, seconds: float = 2.0, seed: int = 0) -> VoiceClip:
    rng = np.random.default_rng(seed)
    p.store.put_clip(key, 22050, (rng.standard_normal(int(22050 * seconds)) * 0.2).astype(np.float32))
    return VoiceClip(key, 22050, int(seconds * 1000), "espeak")


def _project(path: Path) -> Project:
    p = Project.create(path, media=None, source_lang="en", target_langs=("es",))
    p.apply(edits.add_segments(p.state, [Segment(f"s{i}", i * 3000, i * 3000 + 2500, f"line {i}")
                                         for i in range(3)]))
    p.apply(edits.apply_engine_translations(p.state, "es", {f"s{i}": f"línea {i}" for i in range(3)},
                                            engine="t"))
    return p


def test_unused_clips_go_and_undo_reachable_ones_stay(tmp_path: Path) -> None:
    path = tmp_path / "p.taura"
    p = _project(path)
    a = _clip(p, "a", seed=1)
    p.apply(edits.set_clips(p.state, "es", {"s0": a}))
    fit = FitResult(natural_ms=2000, speed=1.2, offset_ms=0, placed_ms=1667, available_ms=2500,
                    overrun_ms=0, status=FitStatus.STRETCHED)
    _clip(p, "b", seed=2)
    b = VoiceClip("b", 22050, 1667, "espeak", fit)
    p.store.put_clip(fitted_key("b", fit), 22050, np.zeros(1000, np.float32))  # its fitted audio
    p.apply(edits.set_clips(p.state, "es", {"s1": b}))
    _clip(p, "orphan", seed=3)  # stored, never used by any segment
    c = _clip(p, "c", seed=4)
    p.apply(edits.set_clips(p.state, "es", {"s0": c}))  # replaces a: only undo can reach a now
    assert p.collect_clips() == 1  # the orphan
    keys = p.store.clip_keys()
    assert keys == {"a", "b", fitted_key("b", fit), "c"}
    p.undo()  # a is back on s0 ...
    assert p.segment("s0").translations["es"].clip == a
    assert p.store.get_clip("a") is not None  # ... and its audio is there
    p.close()  # a new session has no undo: c (only redo could reach it) goes
    with Project.open(path) as again:
        keys = again.store.clip_keys()
        assert keys == {"a", "b", fitted_key("b", fit)}


def test_removed_clips_give_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / "p.taura"
    with _project(path) as p:
        for i in range(3):
            p.apply(edits.set_clips(p.state, "es", {f"s{i}": _clip(p, f"first{i}", 4.0, seed=i)}))
    first = path.stat().st_size
    for round_ in range(6):  # re-voiced six times: each round's clips replace the last
        with Project.open(path) as p:
            for i in range(3):
                clip = _clip(p, f"r{round_}-{i}", 4.0, seed=10 * round_ + i)
                p.apply(edits.set_clips(p.state, "es", {f"s{i}": clip}), undoable=False)
        assert path.stat().st_size <= 1.5 * first, (round_, path.stat().st_size, first)
    with Project.open(path) as p:
        assert p.store.clip_keys() == {f"r5-{i}" for i in range(3)}
