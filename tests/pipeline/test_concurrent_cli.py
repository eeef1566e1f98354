"""Two real `taura` processes on one project: `import-subs --as-translation` while `taura voice`
is running is refused (exit 3, naming the voice process), and the voice run loses nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from taura_desktop.cli import main
from taura_desktop.core.lock import holder_of
from taura_desktop.core.project import Project
from taura_desktop.errors import ExitCode
from taura_desktop.sample import SampleMedia

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"


def test_import_while_voice_runs_is_refused_and_nothing_is_lost(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    assert main(["new", str(sample.video), "-o", str(proj), "--source-lang", "en"]) == 0
    assert main(["import-subs", str(proj), str(sample.subtitles), "--lang", "en"]) == 0
    # the English lines stand in for a Spanish translation: something for espeak to voice
    assert main(["import-subs", str(proj), str(sample.subtitles), "--lang", "es", "--as-translation"]) == 0
    fr = tmp_path / "fr.srt"
    fr.write_text(sample.subtitles.read_text(encoding="utf-8").replace("the", "le"), encoding="utf-8")
    capsys.readouterr()
    with Project.open(proj, read_only=True) as p:
        before = [(s.id, s.source_text, s.translations["es"].text) for s in p.segments()]
    voice = subprocess.Popen(
        [sys.executable, "-c", CLI, "voice", str(proj), "--lang", "es", "--engine", "espeak"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while holder_of(proj) is None and voice.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holder_of(proj) == f"pid {voice.pid}: taura voice"
        code = main(["import-subs", str(proj), str(fr), "--lang", "fr", "--as-translation"])
        err = capsys.readouterr().err.strip()
        assert voice.poll() is None  # the refusal happened while voice was still at work
        assert code == ExitCode.BAD_INPUT
        assert err == (f"taura: {proj}: in use by another process (pid {voice.pid}: taura voice); only one "
                       "program may change a project at a time, try again when it is done")
        _, verr = voice.communicate(timeout=600)
    finally:
        if voice.poll() is None:
            voice.kill()
            voice.wait()
    assert voice.returncode == 0, verr
    with Project.open(proj, read_only=True) as p:
        assert "fr" not in p.meta.target_langs
        segs = p.segments()
        assert all(s.translations["es"].clip is not None for s in segs)  # every line voiced
        # nothing else changed: same segments, same source and translation text
        assert [(s.id, s.source_text, s.translations["es"].text) for s in segs] == before
    # now that voice is done, the import goes through
    assert main(["import-subs", str(proj), str(fr), "--lang", "fr", "--as-translation"]) == 0
