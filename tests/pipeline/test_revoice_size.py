"""A project re-voiced six times (new text each time) stays within 1.5x of its first size:
clips nothing uses any more are removed and their space given back."""

from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.cli import main
from taura_desktop.core.project import Project
from tests.mediagen import make_video

EN = ["Good morning, everyone.", "Today we look at rivers.", "Water always finds a way.",
      "Thank you for watching."]
ES = ["Buenos días a todos.", "Hoy miramos los ríos.", "El agua siempre encuentra un camino.",
      "Gracias por mirar."]


def _srt(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{k + 1}\n00:00:{3 * k:02d},000 --> 00:00:{3 * k + 2:02d},500\n{t}\n\n"
                            for k, t in enumerate(lines)), encoding="utf-8")
    return path


def test_revoicing_six_times_keeps_the_file_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = make_video(tmp_path / "v.mp4", 12, audio="tone", size="160x120")
    proj = tmp_path / "p.taura"
    assert main(["new", str(video), "-o", str(proj), "--source-lang", "en"]) == 0
    assert main(["import-subs", str(proj), str(_srt(tmp_path / "en.srt", EN)), "--lang", "en"]) == 0
    sizes = []
    for round_ in range(7):
        lines = [t if round_ == 0 else f"{t} ({round_})" for t in ES]
        es = _srt(tmp_path / f"es{round_}.srt", lines)
        assert main(["import-subs", str(proj), str(es), "--lang", "es", "--as-translation"]) == 0
        assert main(["voice", str(proj), "--lang", "es", "--engine", "espeak"]) == 0, capsys.readouterr().err
        sizes.append(proj.stat().st_size)
    capsys.readouterr()
    assert max(sizes[1:]) <= 1.5 * sizes[0], sizes
    with Project.open(proj, read_only=True) as p:
        clips = {s.translations["es"].clip.key for s in p.segments() if s.translations["es"].clip}
        assert len(clips) == 4
        assert set(p.store.clip_keys()) >= clips
        assert len(p.store.clip_keys()) <= 8  # natural + fitted audio of the four lines at most
