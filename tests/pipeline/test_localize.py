"""End to end: `taura localize` on generated media with the embedded engines, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from taura_desktop.core.project import Project
from taura_desktop.media.decode import decode_audio
from taura_desktop.media.probe import probe
from taura_desktop.sample import SampleMedia
from tests.clips import voice_clip


def _localize(sample: SampleMedia, out: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "taura_desktop.cli.main",
        "localize",
        str(sample.video),
        "--to",
        "es",
        "--subs",
        str(sample.subtitles),
        "--source-lang",
        "en",
        "-o",
        str(out),
        "--offline",
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"}
    )


def test_localize_offline_makes_a_synced_master(tmp_path: Path, sample: SampleMedia) -> None:
    out = tmp_path / "out"
    proc = _localize(sample, out)
    assert proc.returncode == 0, proc.stderr
    assert "blocked a network access" not in proc.stderr  # nothing even tried the network
    master = out / "taura_sample.dubbed.mp4"
    assert f"master    {master}" in proc.stdout
    src, dub = probe(sample.video), probe(master)
    frame_ms = 1000 / (src.fps or 25)
    assert abs(dub.duration_ms - src.duration_ms) <= frame_ms
    kinds = [(s.kind, s.language) for s in dub.streams]
    assert kinds.count(("audio", "eng")) == 1 and kinds.count(("audio", "spa")) == 1
    assert ("subtitle", "eng") in kinds and ("subtitle", "spa") in kinds
    assert dub.video is not None and src.video is not None and dub.video.codec == src.video.codec
    for name in ("taura_sample.en.srt", "taura_sample.es.srt", "taura_sample.es.ttml"):
        assert (out / "subtitles" / name).stat().st_size > 0
    report = json.loads((out / "qc.json").read_text())
    assert set(report) == {"en", "es"}
    # each dub clip starts where its fit result says: check the rendered Spanish track
    with Project.open(out / "taura_sample.taura") as p:
        starts = []
        for s in p.segments():
            fit = voice_clip(s, "es").fit
            assert fit is not None
            starts.append(s.start_ms + fit.offset_ms)
    spa_index = next(s.index for s in dub.streams if s.kind == "audio" and s.language == "spa")
    audio = decode_audio(master, 16000, stream_index=spa_index)
    env = np.sqrt(np.convolve(audio**2, np.ones(160) / 160, mode="same"))
    loud = env > 0.02
    for start in starts:
        i = start * 16
        before = loud[max(0, i - 16 * 120) : i - 16 * 20]
        after = loud[i : i + 16 * 150]
        assert not before.all() and after.any(), f"clip at {start} ms is not where the fit says"


def test_localize_again_resumes_instead_of_redoing(tmp_path: Path, sample: SampleMedia) -> None:
    out = tmp_path / "out"
    assert _localize(sample, out).returncode == 0
    with Project.open(out / "taura_sample.taura") as p:
        keys = {s.id: voice_clip(s, "es").key for s in p.segments()}
    proc = _localize(sample, out)
    assert proc.returncode == 0, proc.stderr
    with Project.open(out / "taura_sample.taura") as p:
        assert {s.id: voice_clip(s, "es").key for s in p.segments()} == keys


def test_offline_flag_really_blocks_sockets_in_the_process_and_its_workers(tmp_path: Path) -> None:
    # loopback only, so a broken guard could not send traffic anywhere
    code = (
        "import socket\n"
        "import os\n"
        "from taura_desktop.cli.offline import go_offline\n"
        "go_offline()\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "except Exception as exc:\n"
        "    print('parent:', type(exc).__name__)\n"
        "print('worker env:', os.environ.get('TAURA_OFFLINE'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "parent: NetworkBlockedError" in proc.stdout, proc.stderr
    assert "worker env: 1" in proc.stdout  # spawned workers inherit offline mode
    assert "offline mode blocked a network access: create_connection 127.0.0.1:9" in proc.stderr
