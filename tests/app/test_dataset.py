"""`taura dataset export`: a Hugging Face audiofolder dataset that many projects append to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.app import projects
from taura_desktop.app.dataset import FIELDS, SAMPLE_RATE
from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.media.audio_io import read_wav
from taura_desktop.sample import SampleMedia
from tests.app.helpers import taura

datasets = pytest.importorskip("datasets", reason="install the dev extra: pip install -e .[dev]")


def _project(tmp_path: Path, sample: SampleMedia, name: str, approve: int) -> Path:
    path = tmp_path / f"{name}.taura"
    with projects.new_project(sample.video, path, source_lang="en", targets=("es",)) as p:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        ids = p.state.ids()
        for i, sid in enumerate(ids):
            p.apply(edits.set_translation_text(p.state, sid, "es", f"Línea {i} de {name}."))
        p.apply(edits.add_speaker(p.state, "Narrator", "nar"))
        p.apply(edits.set_speaker(p.state, ids[:2], "nar"))
        p.apply(edits.set_status(p.state, ids[:approve], "es", Status.APPROVED))
    return path


def _rows(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines]


def test_dataset_loads_with_datasets_and_projects_append(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _project(tmp_path, sample, "one", approve=3)
    # a second project on a copy of the same video, with the same file name in another folder
    (tmp_path / "b").mkdir()
    video2 = tmp_path / "b" / sample.video.name
    shutil.copy(sample.video, video2)
    two = tmp_path / "b" / "one.taura"
    with projects.new_project(video2, two, source_lang="en", targets=("es",)) as p:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        p.apply(edits.set_translation_text(p.state, p.state.ids()[0], "es", "Otra."))
    out = tmp_path / "ds"
    code, text, err = taura(capsys, "dataset", "export", one, "--lang", "es", "-o", out)
    assert code == 0, err
    rows = _rows(out)
    n = len(rows)
    assert n > 3 and f"wrote {n} clips" in text
    assert all(list(r) == list(FIELDS) for r in rows)
    assert rows[0]["speaker"] == "Narrator" and rows[2]["speaker"] == ""
    assert [r["status"] for r in rows[:4]] == ["approved"] * 3 + ["draft"]
    code, _text, err = taura(capsys, "dataset", "export", two, "--lang", "es", "-o", out)
    assert code == 0, err
    both = _rows(out)
    names = [str(r["file_name"]) for r in both]
    assert len(names) == len(set(names)) == 2 * n  # no clash although the project names are equal
    code, _text, err = taura(capsys, "dataset", "export", one, "--lang", "es", "-o", out)
    assert code == 0, err
    assert sorted(str(r["file_name"]) for r in _rows(out)) == sorted(names)  # replaced, not doubled

    ds = datasets.load_dataset("audiofolder", data_dir=str(out), split="train")
    assert ds.num_rows == 2 * n
    assert set(ds.column_names) == {"audio", *FIELDS} - {"file_name"}
    plain = ds.cast_column("audio", datasets.Audio(decode=False))
    for row in plain.select(range(3)):
        samples, sr = read_wav(row["audio"]["path"])
        assert sr == SAMPLE_RATE and samples.ndim == 1
        assert abs(len(samples) - (row["end_ms"] - row["start_ms"]) * SAMPLE_RATE // 1000) <= 1
        assert float(np.abs(samples).max()) > 0.01  # speech, not silence
    first = next(r for r in plain if str(r["audio"]["path"]).endswith(str(rows[0]["file_name"])))
    assert first["translation"] == "Línea 0 de one." and first["source_lang"] == "en"
    assert first["target_lang"] == "es"


def test_approved_only_and_bad_input(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _project(tmp_path, sample, "one", approve=2)
    out = tmp_path / "ds"
    code, _text, err = taura(capsys, "dataset", "export", one, "--lang", "es", "-o", out, "--approved-only")
    assert code == 0, err
    assert [r["status"] for r in _rows(out)] == ["approved", "approved"]
    code, _text, err = taura(capsys, "dataset", "export", one, "--lang", "fr", "-o", out)
    assert code == 2 and "fr" in err
    (out / "metadata.jsonl").write_text("not json\n", encoding="utf-8")
    code, _text, err = taura(capsys, "dataset", "export", one, "--lang", "es", "-o", out)
    assert code == 3 and "metadata.jsonl:1" in err
    assert (out / "metadata.jsonl").read_text(encoding="utf-8") == "not json\n"  # nothing lost
