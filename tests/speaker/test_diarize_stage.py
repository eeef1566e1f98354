"""``taura diarize`` end to end: the stage in the worker, segment assignment and splits,
voices per speaker, one undo step, resume, ``export --format json`` and the CLI's errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from taura_desktop.app import projects
from taura_desktop.cli.main import main
from taura_desktop.core import edits
from taura_desktop.core.model import Segment, Translation, VoiceSpec, Word, new_id
from taura_desktop.core.project import Project
from taura_desktop.jobs.worker import Worker
from taura_desktop.pipeline.diarize import DiarizeOptions, DiarizeStage
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.voice import VoiceItem, clone_references
from tests.convgen import VOICES, Conversation, make_conversation


def _words(text: str, start: int, end: int) -> tuple[Word, ...]:
    parts = text.split()
    step = (end - start) / len(parts)
    return tuple(
        Word(round(start + i * step), round(start + (i + 1) * step) - 10, w) for i, w in enumerate(parts)
    )


def _segments(conv: Conversation) -> list[Segment]:
    """One segment per turn, except turns 2 and 3 (different speakers, no overlap) which
    share one segment whose words carry their true times."""
    segs = []
    i = 0
    while i < len(conv.truth):
        a, b, _ = conv.truth[i]
        text = conv.texts[i]
        if i == 2:
            a2, b2, _ = conv.truth[3]
            words = _words(text, a, b) + _words(conv.texts[3], a2, b2)
            segs.append(Segment(new_id(), a, b2, text + " " + conv.texts[3], words=words))
            i += 2
            continue
        segs.append(Segment(new_id(), a, b, text, words=_words(text, a, b),
                            translations={"es": Translation(text=f"es {i}")}))
        i += 1
    return segs


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Conversation]:
    # turns 2 and 3 are spoken by different voices and do not overlap (overlap only every 5th)
    conv = make_conversation(
        VOICES[:2], turns=6, seed=11, overlap_every=5, short_every=0, order=[0, 1, 0, 1, 1, 0]
    )
    assert conv.truth[2][2] != conv.truth[3][2] and conv.truth[3][0] > conv.truth[2][1]
    path = conv.write(tmp_path_factory.mktemp("conv") / "talk.wav")
    return path, conv


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.stop()


@pytest.mark.real_models
def test_diarize_assigns_splits_voices_undoes_and_resumes(
    tmp_path: Path, conversation: tuple[Path, Conversation], ge2e_dir: Path, worker: Worker
) -> None:
    wav, conv = conversation
    with projects.new_project(wav, tmp_path / "p.taura", source_lang="en", targets=("es", "fr")) as p:
        p.apply(edits.add_segments(p.state, _segments(conv)), undoable=False)
        before = p.dump()
        opts = DiarizeOptions(model=str(ge2e_dir))
        summary = run_stage(p, "diarize", opts, worker=worker)
        assert summary["speakers"] == 2 and summary["splits"] == 1
        speakers = p.state.speakers
        assert len(speakers) == 2
        # distinct default voices per target language
        for lang in ("es", "fr"):
            specs = {(s.voices[lang].engine, s.voices[lang].voice) for s in speakers.values()}
            assert len(specs) == 2
        # every segment's speaker follows the truth (one-to-one)
        segs = p.segments()
        assert len(segs) == len(conv.truth)
        mapping: dict[int, str] = {}
        for seg, (_, _, true_spk) in zip(segs, conv.truth, strict=True):
            assert seg.speaker_id is not None
            assert mapping.setdefault(true_spk, seg.speaker_id) == seg.speaker_id
        assert len(set(mapping.values())) == 2
        # the shared segment was split at the word boundary between the turns
        left, right = segs[2], segs[3]
        assert left.end_ms == right.start_ms
        assert conv.truth[2][1] - 50 <= left.end_ms <= conv.truth[3][0] + 50
        assert left.source_text == conv.texts[2] and right.source_text == conv.texts[3]
        # XTTS cloning references come from each real speaker's own segments
        items = [
            VoiceItem(s.id, s.source_text, VoiceSpec(engine="xtts", voice=s.speaker_id or ""),
                      (s.start_ms, s.end_ms, None))
            for s in segs
        ]
        refs = clone_references(p, items)
        truth_of = {(s.start_ms, s.end_ms): t for s, (_, _, t) in zip(segs, conv.truth, strict=True)}
        assert set(refs) == set(mapping.values())
        for true_spk, sid in mapping.items():
            assert refs[sid] and all(truth_of[r] == true_spk for r in refs[sid])
        # one undo step restores everything
        assert p.undo_text == "Diarize"
        p.undo()
        assert p.dump()["segments"] == before["segments"] and not p.state.speakers
        p.redo()
        assert len(p.state.speakers) == 2
        # complete: a second run does nothing; the embeddings stay cached in the project
        again = run_stage(p, "diarize", opts, worker=worker)
        assert again.get("skipped") and again["speakers"] == 2
        key = f"diarize:{p.meta.media.head_sha1}:all" if p.meta.media else ""
        assert p.store.get_cache(f"{key}:0")
        stage = DiarizeStage()
        plan = stage.plan(p, replace(opts, speakers=2))
        assert plan is not None  # a new count: due again
        payload = plan.payload
        assert len(payload.done_windows) >= 20 and payload.encoder.startswith("ge2e-")
        # one speaker asked for: every segment to one of the known speakers, the other goes
        one = run_stage(p, "diarize", replace(opts, speakers=1), worker=worker)
        assert one["speakers"] == 1 and len(p.state.speakers) == 1
        (kept,) = p.state.speakers
        assert kept in mapping.values() and {s.speaker_id for s in p.segments()} == {kept}
        p.undo()
        assert len(p.state.speakers) == 2
        # export json: every segment with the contract keys
        out = tmp_path / "segments.json"
        code = main(["export", str(p.path), "--lang", "es", "--format", "json", "-o", str(out)])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = data["segments"]
    assert len(rows) == len(conv.truth)
    for row in rows:
        keys = {"id", "start_ms", "end_ms", "speaker", "source_text", "translation", "status", "fit"}
        assert keys <= set(row)
    assert rows[0]["translation"] == "es 0" and rows[0]["status"] == "draft" and rows[0]["fit"] is None
    assert {r["speaker"] for r in rows} == set(mapping.values())


@pytest.mark.real_models
def test_rerun_on_a_selection_keeps_the_known_speakers(
    tmp_path: Path, conversation: tuple[Path, Conversation], ge2e_dir: Path, worker: Worker
) -> None:
    wav, conv = conversation
    with projects.new_project(wav, tmp_path / "p.taura", source_lang="en", targets=("es",)) as p:
        p.apply(edits.add_segments(p.state, _segments(conv)), undoable=False)
        run_stage(p, "diarize", DiarizeOptions(model=str(ge2e_dir)), worker=worker)
        first = {s.id: s.speaker_id for s in p.segments()}
        # a person moves one segment to the other speaker, then re-runs on a selection
        seg = p.segments()[-1]
        other = next(x for x in p.state.speakers if x != seg.speaker_id)
        p.apply(edits.set_speaker(p.state, [seg.id], other))
        sel = (p.segments()[-2].start_ms, seg.end_ms)
        run_stage(p, "diarize", DiarizeOptions(model=str(ge2e_dir), range_ms=sel), worker=worker)
        assert len(p.state.speakers) == 2  # matched to the known voices, none added
        assert {s.id: s.speaker_id for s in p.segments()} == first


def test_diarize_without_the_model_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.mediagen import make_speech_wav

    wav = tmp_path / "a.wav"
    make_speech_wav(wav, ["Hello there."])
    with projects.new_project(wav, tmp_path / "p.taura", source_lang="en"):
        pass
    code = main(["diarize", str(tmp_path / "p.taura"), "--offline"])
    err = capsys.readouterr().err.strip()
    assert code == 4 and "speaker-ge2e" in err and "\n" not in err


def test_diarize_usage_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.taura"
    bad.write_bytes(b"not a project")
    assert main(["diarize", str(bad)]) == 3
    assert "bad.taura" in capsys.readouterr().err
    from tests.mediagen import make_speech_wav

    wav = tmp_path / "a.wav"
    make_speech_wav(wav, ["Hello there."])
    with projects.new_project(wav, tmp_path / "p.taura", source_lang="en"):
        pass
    assert main(["diarize", str(tmp_path / "p.taura"), "--speakers", "0"]) == 2
    assert "--speakers" in capsys.readouterr().err
    assert main(["diarize", str(tmp_path / "p.taura"), "--speakers", "two"]) == 2


def test_export_json_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.mediagen import make_speech_wav

    wav = tmp_path / "a.wav"
    make_speech_wav(wav, ["Hello there."])
    with projects.new_project(wav, tmp_path / "p.taura", source_lang="en", targets=("es",)) as p:
        p.apply(edits.add_segments(p.state, [Segment("s1", 0, 900, "Hello there.")]))
        p.apply(edits.add_speaker(p.state, "Ana", "spk"))
        p.apply(edits.set_speaker(p.state, ["s1"], "spk"))
    out = tmp_path / "x.json"
    proj = str(tmp_path / "p.taura")
    assert main(["export", proj, "--lang", "de", "--format", "json", "-o", str(out)]) == 2
    assert "'de'" in capsys.readouterr().err and not out.exists()
    missing = tmp_path / "nope" / "x.json"
    assert main(["export", str(tmp_path / "p.taura"), "--format", "json", "-o", str(missing)]) == 3
    assert main(["export", proj, "--lang", "es", "--format", "json", "-o", str(out)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))["segments"][0]
    assert row == {
        "id": "s1", "start_ms": 0, "end_ms": 900, "speaker": "spk", "speaker_name": "Ana",
        "source_text": "Hello there.", "translation": None, "status": None, "fit": None,
    }


@pytest.mark.real_models
def test_cli_on_music_and_on_a_project_without_segments(
    tmp_path: Path,
    conversation: tuple[Path, Conversation],
    ge2e_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import numpy as np

    from taura_desktop.media.audio_io import write_wav

    monkeypatch.setenv("TAURA_MODELS_DIR", str(ge2e_dir.parents[1]))
    t = np.arange(16000 * 6) / 16000
    music = sum(0.2 * np.sin(2 * np.pi * f * t) * (np.sin(2 * np.pi * 0.7 * t * (i + 1)) > 0)
                for i, f in enumerate((196.0, 246.9, 293.7)))
    wav = write_wav(tmp_path / "music.wav", np.asarray(music, np.float32), 16000)
    with projects.new_project(wav, tmp_path / "m.taura", source_lang="en", targets=("es",)) as p:
        p.apply(edits.add_segments(p.state, [Segment("s1", 500, 3000, "la la la")]), undoable=False)
    assert main(["diarize", str(tmp_path / "m.taura"), "--offline"]) == 0
    assert "found 0 speakers" in capsys.readouterr().out
    with Project.open(tmp_path / "m.taura") as p:
        assert not p.state.speakers and p.segment("s1").speaker_id is None
    # voices found, but no segment to give them to: no speakers are created
    talk, _ = conversation
    with projects.new_project(talk, tmp_path / "t.taura", source_lang="en", targets=("es",)):
        pass
    assert main(["diarize", str(tmp_path / "t.taura"), "--offline", "--speakers", "2"]) == 0
    out = capsys.readouterr().out
    assert "found 2 speakers" in out and "0 segments assigned" in out
    with Project.open(tmp_path / "t.taura") as p:
        assert not p.state.speakers
