from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.catalog import CatalogEntry
from taura_desktop.modelstore.download import ProgressFn
from taura_desktop.modelstore.offline import set_offline
from taura_desktop.modelstore.store import InstalledModel, ModelStore
from taura_desktop.ui.model_manager import NON_COMMERCIAL, ModelManagerDialog
from taura_desktop.ui.new_project import NewProjectDialog
from taura_desktop.ui.settings import Settings


def _voice_folder(where: Path, name: str = "xx_XX-test-low") -> Path:
    where.mkdir(parents=True)
    (where / f"{name}.onnx").write_bytes(b"\0" * 64)
    (where / f"{name}.onnx.json").write_text(json.dumps({"audio": {"sample_rate": 16000}}))
    return where


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> ModelManagerDialog:
    d = ModelManagerDialog(store=ModelStore(tmp_path / "models"))
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: len(d.rows) > 0, timeout=10000)
    return d


@pytest.fixture
def offline() -> Iterator[None]:
    set_offline(True)
    yield
    set_offline(None)


@pytest.fixture
def online() -> Iterator[None]:
    set_offline(False)
    yield
    set_offline(None)


def test_lists_catalog_with_licenses(dialog: ModelManagerDialog) -> None:
    assert len(dialog.rows) == len(catalog.entries())
    r = dialog.row_of("xtts-v2")
    lic = dialog.table.item(r, 4)
    assert lic is not None and lic.text().startswith(NON_COMMERCIAL)
    assert lic.font().bold()
    ok = dialog.table.item(dialog.row_of("small"), 4)
    assert ok is not None and ok.text() == "MIT"
    engine = dialog.table.item(dialog.row_of("small"), 1)
    assert engine is not None and engine.text() == "whisper"
    size = dialog.table.item(dialog.row_of("small"), 3)
    assert size is not None and "MB" in size.text()


def test_download_disabled_offline_says_why(dialog: ModelManagerDialog, offline: None) -> None:
    assert dialog.select("small")
    assert not dialog.download_button.isEnabled()
    assert "offline" in dialog.download_button.toolTip()
    assert "offline" in dialog.notice.text()
    assert not dialog.download_selected()
    dialog.select("htdemucs")  # not downloadable at all
    assert "import" in dialog.download_button.toolTip()


def test_download_runs_off_thread_with_progress(
    qtbot: QtBot, dialog: ModelManagerDialog, online: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.modelstore import download as dl

    threads: list[str] = []

    def fake(
        entry: CatalogEntry,
        store: ModelStore,
        progress: ProgressFn | None = None,
        offline: bool | None = None,
        *,
        cancel: threading.Event | None = None,
    ) -> InstalledModel:
        assert cancel is not None and not cancel.is_set()  # the dialog can cancel it
        assert progress is not None
        threads.append(threading.current_thread().name)
        for done in (0, 50, 100):
            progress(dl.DownloadProgress(entry.name, "download", done, 100))
        src = _voice_folder(tmp_path / "dl", entry.name)
        return store.import_path(src, "piper", entry.name)

    monkeypatch.setattr(dl, "download", fake)
    dialog.select("es_ES-davefx-medium")
    assert dialog.download_button.isEnabled()
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        assert dialog.download_selected()
    assert threads == ["models-op"]
    assert dialog.progress.value() == dialog.progress.maximum()
    qtbot.waitUntil(lambda: dialog.rows[dialog.row_of("es_ES-davefx-medium")].installed is not None)


def test_download_failure_is_shown(
    qtbot: QtBot, dialog: ModelManagerDialog, online: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.errors import EngineUnavailableError
    from taura_desktop.modelstore import download as dl

    def boom(*_a: object, **_k: object) -> NoReturn:
        raise EngineUnavailableError("cannot download model 'small': network unreachable")

    monkeypatch.setattr(dl, "download", boom)
    dialog.select("small")
    dialog.download_selected()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10000)
    assert dialog.status.text() == "cannot download model 'small': network unreachable"


def test_download_can_be_cancelled(
    qtbot: QtBot, dialog: ModelManagerDialog, online: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.errors import CancelledError
    from taura_desktop.modelstore import download as dl

    def slow(entry: CatalogEntry, store: ModelStore, *_a: object, cancel: threading.Event | None = None,
             **_k: object) -> NoReturn:
        assert cancel is not None and cancel.wait(10), "the dialog never cancelled"
        raise CancelledError(f"download of model '{entry.name}' cancelled")

    monkeypatch.setattr(dl, "download", slow)
    dialog.select("small")
    assert dialog.download_selected()
    qtbot.waitUntil(lambda: dialog.cancel_button.isEnabled(), timeout=10000)
    dialog.cancel_download()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10000)
    assert dialog.status.text() == "download of model 'small' cancelled"
    assert not dialog.cancel_button.isEnabled()


def test_import_verify_remove(qtbot: QtBot, dialog: ModelManagerDialog, tmp_path: Path) -> None:
    src = _voice_folder(tmp_path / "voice")
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        dialog.import_path(src)
    qtbot.waitUntil(lambda: dialog.row_of("piper/xx_XX-test-low") >= 0, timeout=10000)
    assert dialog.selected_row() == "piper/xx_XX-test-low"
    assert dialog.remove_button.isEnabled() and dialog.verify_button.isEnabled()
    dialog.verify_selected()
    qtbot.waitUntil(lambda: isinstance(dialog.last_result, list), timeout=10000)
    assert dialog.status.text() == "piper/xx_XX-test-low: ok"
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        dialog.remove_selected(confirm=False)
    qtbot.waitUntil(lambda: dialog.row_of("piper/xx_XX-test-low") < 0, timeout=10000)
    assert not dialog.store.is_installed("piper", "xx_XX-test-low")


def test_import_bad_path_one_line(qtbot: QtBot, dialog: ModelManagerDialog, tmp_path: Path) -> None:
    dialog.import_path(tmp_path / "nope")
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10000)
    assert dialog.last_error == f"{tmp_path / 'nope'}: not found"


def test_new_project_links_missing_models(qtbot: QtBot, settings: Settings) -> None:
    d = NewProjectDialog()
    qtbot.addWidget(d)
    d.stage_checks["transcribe"].setEnabled(True)
    d.stage_checks["transcribe"].setChecked(True)
    missing = d.check_models()
    assert ("whisper/base", "speech recognition") in missing  # no Whisper installed at all
    assert 'href="whisper/base"' in d.models_note.text()
    with qtbot.waitSignal(d.modelsRequested) as sig:
        d.models_note.linkActivated.emit("whisper/base")
    assert sig.args == ["whisper/base"]
    assert d.models_note.textFormat() == Qt.TextFormat.RichText


def test_an_unfinished_download_is_shown_and_removed(qtbot: QtBot, dialog: ModelManagerDialog) -> None:
    partial = dialog.store.partial_dir("whisper", "medium")  # as a download cut short leaves it
    partial.mkdir(parents=True)
    (partial / "model.bin").write_bytes(b"m" * 2_000_000)
    dialog.refresh()
    row = dialog.row_of("whisper/medium")

    def status() -> str:
        item = dialog.table.item(dialog.row_of("whisper/medium"), 5)
        return item.text() if item is not None else "?"

    qtbot.waitUntil(lambda: "unfinished" in status(), timeout=10000)
    assert status() == "unfinished: 1.9 MB"
    assert dialog.select("whisper/medium") and dialog.remove_button.isEnabled()
    assert not dialog.verify_button.isEnabled()  # nothing installed to verify
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        assert dialog.remove_selected(confirm=False)
    qtbot.waitUntil(lambda: status() == "", timeout=10000)
    assert not partial.exists() and row >= 0
    assert dialog.status.text() == f"Removed {partial}"
