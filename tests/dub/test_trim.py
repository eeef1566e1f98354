"""Leading/trailing silence of synthesized clips is trimmed, for every engine alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.dub.trim import LEAD_MS, TAIL_MS, speech_bounds, trim_silence

SR = 24000


def tone(ms: int, amp: float = 0.5, hz: float = 220.0) -> np.ndarray:
    t = np.arange(SR * ms // 1000) / SR
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def silence(ms: int) -> np.ndarray:
    return np.zeros(SR * ms // 1000, np.float32)


def onset_ms(x: np.ndarray, sr: int, rel: float = 0.05) -> float:
    """First sample above ``rel`` of the peak (-26 dB: an independent, sample-level onset
    measure; a soft "f" counts as speech)."""
    loud = np.flatnonzero(np.abs(x) > rel * np.abs(x).max())
    return float(loud[0]) * 1000.0 / sr


def test_silence_around_speech_is_cut() -> None:
    x = np.concatenate([silence(300), tone(500), silence(750)])
    y = trim_silence(x, SR)
    assert abs(len(y) - SR * (LEAD_MS + 500 + TAIL_MS) // 1000) <= SR * 5 // 1000
    assert onset_ms(y, SR) <= LEAD_MS + 1
    assert y.dtype == np.float32
    # the kept edges are faded: no click at either end
    assert abs(y[0]) < 1e-3 and abs(y[-1]) < 1e-3


def test_soft_consonants_at_the_edges_are_kept() -> None:
    rng = np.random.default_rng(1)
    hiss = (0.01 * rng.standard_normal(SR * 120 // 1000)).astype(np.float32)  # ~-34 dB under the vowel
    x = np.concatenate([silence(200), hiss, tone(400), hiss, silence(200)])
    start, end = speech_bounds(x, SR) or (0, 0)
    assert abs(start - SR * 200 // 1000) <= SR * 5 // 1000
    assert abs(end - SR * 840 // 1000) <= SR * 5 // 1000


def test_silence_and_empty_input_are_unchanged() -> None:
    assert speech_bounds(silence(100), SR) is None
    assert np.array_equal(trim_silence(silence(100), SR), silence(100))
    assert len(trim_silence(np.zeros(0, np.float32), SR)) == 0
    # quieter than the absolute floor (-60 dBFS) counts as silence
    assert speech_bounds(tone(100, amp=1e-4), SR) is None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_dubbed_lines_start_on_their_cue(tmp_path: Path) -> None:
    """Eight Spanish lines voiced, fitted and placed on the timeline by the same code the
    export uses: each line's speech starts within 30 ms of its cue (untrimmed, "¿Qué tal?"
    started 49 ms late)."""
    from taura_desktop.core import edits
    from taura_desktop.core.model import Segment
    from taura_desktop.core.project import Project
    from taura_desktop.export import render_dub
    from taura_desktop.jobs.worker import Worker
    from taura_desktop.pipeline.deliver import dub_tracks
    from taura_desktop.pipeline.stages import run_stage
    from taura_desktop.pipeline.voice import VoiceOptions

    lines = ["Hola a todos.", "¿Qué tal?", "Bienvenidos a la demostración.", "Sí, claro.",
             "Hasta luego.", "Estamos listos para empezar.", "¡Pues claro que sí!", "Fin."]
    p = Project.create(tmp_path / "cue.taura", media=None, source_lang="en", target_langs=("es",))
    segs = [Segment(f"s{i}", 500 + i * 3000, 500 + i * 3000 + 2500, f"line {i}") for i in range(len(lines))]
    p.apply(edits.add_segments(p.state, segs))
    texts = {s.id: t for s, t in zip(segs, lines, strict=True)}
    p.apply(edits.apply_engine_translations(p.state, "es", texts, engine="test"))
    worker = Worker()
    try:
        run_stage(p, "voice", VoiceOptions(lang="es", engine="espeak"), worker=worker)
    finally:
        worker.stop()
    [track] = dub_tracks(p.state, p.store, ["es"])
    sr = 48000
    dub = np.concatenate(list(render_dub(track.clips, 500 + len(lines) * 3000, sr)))
    for seg in segs:
        window = dub[seg.start_ms * sr // 1000 - sr // 10 : seg.end_ms * sr // 1000]
        onset = onset_ms(window, sr) - 100.0  # relative to the cue
        assert 0.0 <= onset <= 30.0, (seg.id, onset)
    p.close()
