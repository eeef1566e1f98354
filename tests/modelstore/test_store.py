from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from taura_desktop.errors import BadInputError, EngineUnavailableError, UsageError
from taura_desktop.modelstore import offline
from taura_desktop.modelstore.store import MANIFEST, ModelStore, sha256_file

from .helpers import TarMode, argos_files, make_tar, make_whisper_dir, make_zip, snapshot


def test_import_whisper_folder_writes_manifest(store: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "faster-whisper-small")
    model = store.import_path(src)
    assert (model.engine, model.name) == ("whisper", "small")
    assert model.path == store.root / "whisper" / "small"
    assert store.path("whisper", "small") == model.path
    assert store.is_installed("whisper", "small")
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["engine"] == "whisper" and manifest["name"] == "small"
    assert manifest["license"] == "MIT"  # known from the catalog
    assert manifest["source"].startswith("import:")
    assert manifest["installed_at"]
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == {"model.bin", "config.json", "tokenizer.json", "preprocessor_config.json"}
    assert by_path["model.bin"]["size"] == (src / "model.bin").stat().st_size
    assert by_path["model.bin"]["sha256"] == sha256_file(src / "model.bin")
    assert src.is_dir()  # the source is copied, not moved
    assert [m.name for m in store.list_installed()] == ["small"]
    assert not any((store.root / ".partial").iterdir())


def test_import_with_explicit_engine_and_name(store: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "whatever")
    model = store.import_path(src, engine="whisper", name="my-tuned")
    assert model.path == store.root / "whisper" / "my-tuned"
    assert model.license == "unknown"


def test_import_hf_cache_snapshot_uses_repo_name(store: ModelStore, tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--Systran--faster-whisper-base"
    snap = repo / "snapshots" / "abc123"
    blobs = make_whisper_dir(repo / "blobs")
    snap.mkdir(parents=True)
    for f in blobs.iterdir():  # the HF cache links snapshot files to blobs
        (snap / f.name).symlink_to(f)
    model = store.import_path(snap)
    assert (model.engine, model.name) == ("whisper", "base")
    assert not any(p.is_symlink() for p in model.path.iterdir())


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [(".zip", None), (".tar", "w"), (".tar.gz", "w:gz"), (".tar.xz", "w:xz"), (".tar.bz2", "w:bz2")],
)
def test_import_archives(store: ModelStore, tmp_path: Path, suffix: str, mode: TarMode | None) -> None:
    files = argos_files("en", "fr")
    path = tmp_path / f"pkg{suffix}"
    make_zip(path, files) if mode is None else make_tar(path, files, mode)
    model = store.import_path(path)
    assert (model.engine, model.name) == ("argos", "translate-en_fr")
    folder = store.path("argos", "translate-en_fr")
    assert (folder / "metadata.json").is_file()  # the top-level package folder is unwrapped
    assert (folder / "model" / "model.bin").is_file()
    assert model.license == "CC0-1.0"


def test_import_real_tiny_argos_package(store: ModelStore, tiny_argos_package: Path) -> None:
    model = store.import_path(tiny_argos_package)
    assert (model.engine, model.name) == ("argos", "translate-en_es")
    folder = store.path("argos", "translate-en_es")
    for rel in ("metadata.json", "sentencepiece.model", "model/model.bin", "model/config.json"):
        assert (folder / rel).is_file(), rel
    assert store.verify("translate-en_es")[0].ok


def test_import_piper_onnx_file(store: ModelStore, tmp_path: Path) -> None:
    (tmp_path / "es_ES-x-low.onnx").write_bytes(b"onnx")
    (tmp_path / "es_ES-x-low.onnx.json").write_text("{}")
    model = store.import_path(tmp_path / "es_ES-x-low.onnx")
    assert (model.engine, model.name) == ("piper", "es_ES-x-low")
    assert (model.path / "es_ES-x-low.onnx.json").is_file()


def test_import_piper_onnx_without_config(store: ModelStore, tmp_path: Path) -> None:
    (tmp_path / "v.onnx").write_bytes(b"onnx")
    with pytest.raises(BadInputError, match=r"v\.onnx: piper voice needs its config v\.onnx\.json"):
        store.import_path(tmp_path / "v.onnx")


def test_import_missing_path(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="nope: not found"):
        store.import_path(tmp_path / "nope")


def test_import_unknown_engine_asks_for_engine(store: ModelStore, tmp_path: Path) -> None:
    (tmp_path / "mystery").mkdir()
    (tmp_path / "mystery" / "weights.dat").write_bytes(b"x")
    store.import_path(make_whisper_dir(tmp_path / "faster-whisper-small"))
    before = snapshot(store.root)
    with pytest.raises(BadInputError, match=r"cannot tell which engine.*pass --engine"):
        store.import_path(tmp_path / "mystery")
    assert snapshot(store.root) == before


def test_import_incomplete_model_refused(store: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "small")
    (src / "tokenizer.json").unlink()
    with pytest.raises(BadInputError, match=r"whisper model 'small' is incomplete: missing tokenizer\.json"):
        store.import_path(src)
    assert store.list_installed() == []


def test_import_not_an_archive(store: ModelStore, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(BadInputError, match=r"notes\.txt: not a model folder or a supported archive"):
        store.import_path(tmp_path / "notes.txt")


def test_bad_engine_and_name_are_usage_errors(store: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "small")
    with pytest.raises(UsageError, match="unknown engine 'nmt'"):
        store.import_path(src, engine="nmt")
    with pytest.raises(UsageError, match=r"invalid model name '\.\./x'"):
        store.import_path(src, name="../x")


def test_import_copied_installed_model_keeps_manifest_data(tmp_path: Path) -> None:
    a = ModelStore(tmp_path / "a")
    a.import_path(make_whisper_dir(tmp_path / "faster-whisper-tiny"))
    b = ModelStore(tmp_path / "b")
    model = b.import_path(a.path("whisper", "tiny"))
    assert (model.engine, model.name, model.license) == ("whisper", "tiny", "MIT")
    assert model.source.startswith("import:")


def test_import_damaged_copy_refused(tmp_path: Path) -> None:
    a = ModelStore(tmp_path / "a")
    src = a.import_path(make_whisper_dir(tmp_path / "faster-whisper-tiny")).path
    copy = tmp_path / "usb" / "tiny"
    shutil.copytree(src, copy)
    (copy / "model.bin").write_bytes(b"truncated")
    b = ModelStore(tmp_path / "b")
    with pytest.raises(BadInputError, match=r"copied model is damaged: model\.bin: size"):
        b.import_path(copy)
    assert b.list_installed() == []


def test_reimport_replaces_atomically(store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "v1" / "small", b"one"))
    store.import_path(make_whisper_dir(tmp_path / "v2" / "small", b"two-two"))
    assert (store.path("whisper", "small") / "model.bin").read_bytes() == b"two-two"
    assert len(store.list_installed()) == 1
    assert not any((store.root / ".partial").iterdir())


def test_path_of_missing_model_says_how_to_get_it(store: ModelStore) -> None:
    with pytest.raises(EngineUnavailableError) as err:
        store.path("whisper", "small")
    msg = str(err.value)
    assert "\n" not in msg
    assert "whisper model 'small' is not installed" in msg
    assert "taura models download small" in msg


def test_path_of_missing_model_offline_suggests_import(store: ModelStore) -> None:
    offline.set_offline(True)
    with pytest.raises(EngineUnavailableError, match="taura models import PATH") as err:
        store.path("whisper", "small")
    assert "download" not in str(err.value)


def test_path_of_non_catalog_model_suggests_import(store: ModelStore) -> None:
    with pytest.raises(EngineUnavailableError, match="import PATH --engine piper --name mine"):
        store.path("piper", "mine")


def test_partial_is_never_listed_or_usable(store: ModelStore, tmp_path: Path) -> None:
    # a download in progress: files in place but no manifest, inside .partial
    partial = make_whisper_dir(store.partial_dir("whisper", "small"))
    # and a folder in the engine dir without .complete (e.g. copied by hand, unfinished)
    make_whisper_dir(store.root / "whisper" / "medium")
    assert partial.is_dir()
    assert store.list_installed() == []
    assert not store.is_installed("whisper", "small")
    assert not store.is_installed("whisper", "medium")
    with pytest.raises(EngineUnavailableError):
        store.path("whisper", "medium")


def test_verify_detects_modified_and_missing_files(store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "faster-whisper-small"))
    store.import_path(argos_dir := _argos_dir(tmp_path))
    assert argos_dir.exists()
    assert all(r.ok for r in store.verify())
    folder = store.path("whisper", "small")
    data = bytearray((folder / "model.bin").read_bytes())
    data[0] ^= 0xFF  # same size, different content
    (folder / "model.bin").write_bytes(bytes(data))
    (folder / "config.json").unlink()
    results = {r.name: r for r in store.verify()}
    assert results["translate-en_es"].ok
    bad = results["small"]
    assert not bad.ok
    assert "model.bin: sha256 mismatch" in bad.problems
    assert "config.json: missing" in bad.problems
    assert bad.message.startswith("whisper/small: ")
    assert [r.ok for r in store.verify("small")] == [False]


def test_verify_reports_unreadable_manifest(store: ModelStore, tmp_path: Path) -> None:
    folder = store.import_path(make_whisper_dir(tmp_path / "faster-whisper-small")).path
    (folder / MANIFEST).write_text("{not json")
    [result] = store.verify()
    assert not result.ok
    assert "unreadable model manifest" in result.problems[0]


def test_remove(store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "faster-whisper-small"))
    removed = store.remove("small")
    assert removed == store.root / "whisper" / "small"
    assert not removed.exists()
    assert store.list_installed() == []
    with pytest.raises(EngineUnavailableError, match="model 'small' is not installed"):
        store.remove("small")


def test_remove_ambiguous_name_needs_engine(store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "a"), engine="whisper", name="same")
    (tmp_path / "same.onnx").write_bytes(b"x")
    (tmp_path / "same.onnx.json").write_text("{}")
    store.import_path(tmp_path / "same.onnx")
    with pytest.raises(UsageError, match="ambiguous"):
        store.remove("same")
    store.remove("piper/same")
    assert [m.qualified_name for m in store.list_installed()] == ["whisper/same"]


def test_list_installed_by_engine(store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "faster-whisper-small"))
    store.import_path(_argos_dir(tmp_path))
    assert [m.name for m in store.list_installed("argos")] == ["translate-en_es"]
    assert [m.engine for m in store.list_installed()] == ["whisper", "argos"]
    assert store.list_installed()[0].size_bytes > 0


def _argos_dir(tmp_path: Path) -> Path:
    out = tmp_path / "argos-src"
    for rel, data in argos_files("en", "es").items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return out


def test_tar_with_directory_members(store: ModelStore, tmp_path: Path) -> None:
    path = tmp_path / "pkg.tar"
    with tarfile.open(path, "w") as tf:
        tf.add(_argos_dir(tmp_path), arcname="pkg")
    assert store.import_path(path).name == "translate-en_es"


def test_import_disk_error_is_one_line_bad_input(
    store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.modelstore import store as store_mod

    def full(archive: Path, dest: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_mod, "safe_extract", full)
    pkg = make_zip(tmp_path / "p.zip", argos_files())
    with pytest.raises(BadInputError, match=r"p\.zip: cannot import model \(No space left on device\)"):
        store.import_path(pkg)
    assert store.list_installed() == []
    assert not any(store.partial_root.iterdir())


def test_import_fifo_source_refused(store: ModelStore, tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(BadInputError, match="pipe: not a regular file or folder"):
        store.import_path(tmp_path / "pipe")


def test_import_underivable_name_asks_for_name(store: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "my model (copy)")
    with pytest.raises(BadInputError, match="cannot derive a model name; pass --name"):
        store.import_path(src)
    assert store.import_path(src, name="mine").name == "mine"


def test_import_argos_without_language_codes(store: ModelStore, tmp_path: Path) -> None:
    src = tmp_path / "pkg"
    (src / "model").mkdir(parents=True)
    (src / "metadata.json").write_text('{"package_version": "1.0"}')
    with pytest.raises(BadInputError, match=r"metadata\.json is unreadable or lacks from_code/to_code"):
        store.import_path(src)
