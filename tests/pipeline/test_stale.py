"""Stale voice clips end to end: detection (text, voice, speed cap, slot), re-import keeps
unchanged lines, ``info --json`` counts them, export re-voices them or refuses (exit 3)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from taura_desktop.cli import main
from taura_desktop.core import edits
from taura_desktop.core.model import FitResult, FitStatus, Status, VoiceClip, VoiceSpec, clip_basis
from taura_desktop.core.project import Project
from taura_desktop.pipeline.stale import ClipState, clip_state, stale_reason, stale_report
from taura_desktop.sample import SampleLine, SampleMedia, write_srt
from tests.clips import voice_clip
from tests.ui.helpers import make_project


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _fake_clip(project: Project, sid: str, lang: str, voice: VoiceSpec) -> VoiceClip:
    """A clip record as the voice stage makes it (natural 800 ms, fitted to the slot)."""
    from taura_desktop.pipeline.stale import _slot_room  # the same room the voice stage computes

    seg = project.state.segments[sid]
    tr = seg.translation(lang)
    assert tr is not None
    probe = VoiceClip("k", 24000, 800, "espeak", FitResult(800, 1.0, 0, 800, 0, 0, FitStatus.OK))
    room = _slot_room(project, seg, probe)
    assert room is not None
    fit = FitResult(800, 1.0, 0, 800, room, 0, FitStatus.OK)
    return VoiceClip("k" + sid, 24000, 800, "espeak", fit, clip_basis(tr.text, voice, 1.25, 1.5))


def test_each_change_makes_a_clip_stale(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p.taura", 4, langs=("es",))
    try:
        ids = p.state.ids()
        voice = VoiceSpec("espeak", "es")
        sp = edits.add_speaker(p.state, "Ana", "ana")
        p.apply(sp)
        p.apply(edits.set_speaker(p.state, ids, "ana"))
        p.apply(edits.set_voice(p.state, "ana", "es", voice))
        p.apply(edits.set_clips(p.state, "es", {s: _fake_clip(p, s, "es", voice) for s in ids}))
        assert stale_report(p, "es").stale == ()
        assert all(clip_state(p, p.state.segments[s], "es") is ClipState.CURRENT for s in ids)

        # text
        p.apply(edits.set_translation_text(p.state, ids[0], "es", "Hola."))
        assert stale_reason(p, p.state.segments[ids[0]], "es") == "text"
        # slot: the second segment starts later, so its clip has less room before the next one
        s1 = p.state.segments[ids[1]]
        p.apply(edits.set_times(p.state, ids[1], s1.start_ms + 300, s1.end_ms))
        assert stale_reason(p, p.state.segments[ids[1]], "es") == "slot"
        # speed cap: the project's cap changes
        p.apply(edits.set_setting(p.state, "max_speed", 1.4))
        assert stale_reason(p, p.state.segments[ids[2]], "es") == "speed cap"
        p.apply(edits.set_setting(p.state, "max_speed", 1.25))
        assert stale_reason(p, p.state.segments[ids[2]], "es") is None
        # voice: the speaker's voice for the language changes
        p.apply(edits.set_voice(p.state, "ana", "es", replace(voice, voice="es+f2")))
        report = stale_report(p, "es")
        assert report.reasons[ids[3]] == "voice"
        assert set(report.stale) == set(ids)
        # undo brings the old voice back: those clips are current again
        p.undo()
        assert stale_reason(p, p.state.segments[ids[3]], "es") is None
        # a translation with no clip is missing, not stale
        p.apply(edits.set_clips(p.state, "es", {ids[3]: None}))
        assert ids[3] in stale_report(p, "es").missing
    finally:
        p.close()


def _spanish(sample: SampleMedia, path: Path, changed: int | None = None) -> Path:
    lines = [
        SampleLine(ln.index, ln.start_ms, ln.end_ms, f"Línea número {ln.index + 1}.")
        for ln in sample.script
    ]
    if changed is not None:
        ln = lines[changed]
        lines[changed] = replace(ln, text="Una frase distinta y bastante más larga que antes.")
    return write_srt(path, lines)


def test_reimport_keeps_clips_and_export_revoices_stale(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    assert _run(capsys, "new", sample.video, "-o", proj, "--source-lang", "en")[0] == 0
    assert _run(capsys, "import-subs", proj, sample.subtitles, "--lang", "en")[0] == 0
    es = _spanish(sample, tmp_path / "es.srt")
    assert _run(capsys, "import-subs", proj, es, "--lang", "es", "--as-translation")[0] == 0
    code, _, err = _run(capsys, "voice", proj, "--lang", "es")
    assert code == 0, err
    n = len(sample.script)
    with Project.open(proj) as p:
        first = p.state.ordered()[0].id
        p.apply(edits.set_status(p.state, [first], "es", Status.APPROVED))
        keys = {s.id: voice_clip(s, "es").key for s in p.segments()}
    info = json.loads(_run(capsys, "info", proj, "--json")[1])["targets"]["es"]
    assert (info["voiced"], info["stale"], info["approved"]) == (n, 0, 1)

    # the identical file again: every clip and status stays
    assert _run(capsys, "import-subs", proj, es, "--lang", "es", "--as-translation")[0] == 0
    info = json.loads(_run(capsys, "info", proj, "--json")[1])["targets"]["es"]
    assert (info["voiced"], info["stale"], info["approved"]) == (n, 0, 1)

    # one line changed: that clip is stale, the others (and the approval) stay
    es2 = _spanish(sample, tmp_path / "es2.srt", changed=2)
    assert _run(capsys, "import-subs", proj, es2, "--lang", "es", "--as-translation")[0] == 0
    info = json.loads(_run(capsys, "info", proj, "--json")[1])["targets"]["es"]
    assert (info["voiced"], info["stale"], info["approved"]) == (n, 1, 1)
    code, out, _ = _run(capsys, "info", proj)
    assert "stale 1" in out

    # --no-revoice refuses with exit 3 naming the count; nothing is written
    master = tmp_path / "out.mp4"
    code, _, err = _run(capsys, "export", proj, "--format", "mp4", "-o", master, "--no-revoice")
    assert code == 3 and "1 stale voice clips (es)" in err and not master.exists()

    # a plain export re-voices the stale clip first and says so
    code, out, err = _run(capsys, "export", proj, "--format", "mp4", "-o", master)
    assert code == 0, err
    assert "re-voiced 1 stale voice clips (es)" in out and master.stat().st_size > 0
    with Project.open(proj) as p:
        assert stale_report(p, "es").to_voice == ()
        changed = p.state.ordered()[2]
        new_keys = {s.id: voice_clip(s, "es").key for s in p.segments()}
        assert new_keys[changed.id] != keys[changed.id]
        assert all(new_keys[s] == keys[s] for s in keys if s != changed.id)


def test_export_stage_refuses_missing_clips(tmp_path: Path, sample: SampleMedia) -> None:
    """Also through the stage itself (the editor's path): a translated line with no clip."""
    from taura_desktop.app import projects
    from taura_desktop.errors import BadInputError
    from taura_desktop.pipeline.deliver import ExportOptions
    from taura_desktop.pipeline.stages import run_stage

    p = projects.new_project(sample.video, tmp_path / "p.taura", source_lang="en", targets=("es",))
    try:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        projects.import_subtitles(p, _spanish(sample, tmp_path / "es.srt"), lang="es", as_translation=True)
        with pytest.raises(BadInputError, match=rf"{len(sample.script)} missing voice clips \(es\)"):
            run_stage(p, "export", ExportOptions("mp4", str(tmp_path / "o.mp4")))
        assert not (tmp_path / "o.mp4").exists()
    finally:
        p.close()


def test_exported_files_get_normal_permissions(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files written through a private temporary name end up 0666 minus the umask (0644), not 0600."""
    import os
    import stat

    mask = os.umask(0o022)
    os.umask(mask)
    proj = tmp_path / "p.taura"
    assert _run(capsys, "new", sample.video, "-o", proj, "--source-lang", "en")[0] == 0
    assert _run(capsys, "import-subs", proj, sample.subtitles, "--lang", "en")[0] == 0
    out = tmp_path / "out.srt"
    assert _run(capsys, "export", proj, "--format", "srt", "-o", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
