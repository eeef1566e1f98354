"""Model manager: installed and catalog models, download (when online), import, remove, verify.

Every store operation (listing reads manifests, downloads, imports, hashing) runs on a worker
thread through :class:`BackgroundCall`; the dialog only shows results. Models whose license
forbids commercial use (XTTS-v2, some Piper voices) are marked in the license column.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.modelstore import catalog, download
from taura_desktop.modelstore.catalog import CatalogEntry
from taura_desktop.modelstore.download import DownloadProgress
from taura_desktop.modelstore.offline import is_offline
from taura_desktop.modelstore.store import InstalledModel, ModelStore
from taura_desktop.ui.background import BackgroundCall, Report

COLUMNS = ("Name", "Engine", "Languages", "Size", "License", "Installed")
ROW_KEY = int(Qt.ItemDataRole.UserRole) + 7
NON_COMMERCIAL = "NON-COMMERCIAL"


@dataclass(frozen=True, slots=True)
class ModelRow:
    engine: str
    name: str
    entry: CatalogEntry | None
    installed: InstalledModel | None
    unfinished_bytes: int | None = None  # a download that stopped part-way (resumable)

    @property
    def key(self) -> str:
        return f"{self.engine}/{self.name}"

    @property
    def commercial(self) -> bool | None:
        return None if self.entry is None else self.entry.commercial_use

    def license_text(self) -> str:
        lic = self.entry.license if self.entry else (self.installed.license if self.installed else "")
        if self.entry is not None and not self.entry.commercial_use:
            return f"{NON_COMMERCIAL} — {lic}"
        return lic or "unknown"

    def size_text(self) -> str:
        if self.installed is not None and self.installed.size_bytes > 0:
            return _human(self.installed.size_bytes)
        if self.entry is not None:
            return _human(self.entry.size_mb * 1024 * 1024)
        return ""


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def model_rows(store: ModelStore) -> list[ModelRow]:
    """Every catalog entry (installed or not) plus installed models the catalog does not know."""
    installed = {(m.engine, m.name): m for m in store.list_installed()}
    partial = {(d.engine, d.name): d.size_bytes for d in store.partial_downloads()}
    rows = [ModelRow(e.engine, e.name, e, installed.pop((e.engine, e.name), None),
                     partial.get((e.engine, e.name))) for e in catalog.entries()]
    rows += [ModelRow(eng, name, None, m, partial.get((eng, name)))
             for (eng, name), m in sorted(installed.items())]
    return rows


def download_block_reason(entry: CatalogEntry | None) -> str | None:
    """Why a download cannot start (one line), or None."""
    if entry is None:
        return "not in the catalog: import it from a folder or archive"
    if not entry.downloadable:
        return f"{entry.name} cannot be downloaded by Taura ({entry.source}); import it from disk"
    if is_offline():
        return "offline mode is on (TAURA_OFFLINE): copy models with Import instead"
    return None


class ModelManagerDialog(QDialog):
    """List, download, import, remove and verify models of the local model store."""

    changed = Signal()  # the installed set changed

    def __init__(self, parent: QWidget | None = None, store: ModelStore | None = None,
                 *, focus: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.resize(900, 480)
        self.store = store or ModelStore()
        self.rows: list[ModelRow] = []
        self._focus = focus
        self._op = BackgroundCall(self, "models-op")
        self._op.progress.connect(self._op_progress)
        self._op.done.connect(self._op_done)
        self._op.failed.connect(self._op_failed)
        self._lister = BackgroundCall(self, "models-list")
        self._lister.done.connect(self._listed)
        self._lister.failed.connect(self._op_failed)
        self.last_result: object = None
        self.last_error: str | None = None

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.root_label = QLabel(self.tr("Model folder: {0}").format(self.store.root), self)
        self.root_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.download_button = QPushButton(self.tr("Download"), self)
        self.download_button.clicked.connect(self.download_selected)
        self.import_dir_button = QPushButton(self.tr("Import folder…"), self)
        self.import_dir_button.clicked.connect(self._import_folder)
        self.import_file_button = QPushButton(self.tr("Import archive…"), self)
        self.import_file_button.clicked.connect(self._import_file)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(lambda: self.remove_selected(confirm=True))
        self.verify_button = QPushButton(self.tr("Verify"), self)
        self.verify_button.clicked.connect(self.verify_selected)
        self._cancel = threading.Event()
        self.cancel_button = QPushButton(self.tr("Cancel download"), self)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.clicked.connect(self.accept)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setObjectName("modelStatus")
        buttons = QHBoxLayout()
        for b in (self.download_button, self.import_dir_button, self.import_file_button,
                  self.remove_button, self.verify_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.root_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._update_buttons()
        self.refresh()

    # -- listing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.store
        self._lister.start(lambda _report: model_rows(store))

    def _listed(self, _token: object, rows: list[ModelRow]) -> None:
        keep = self.selected_row()
        self.rows = rows
        self.table.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            langs = ", ".join(row.entry.languages) if row.entry else ""
            if row.entry is not None and len(row.entry.languages) > 8:
                langs = ", ".join(row.entry.languages[:8]) + self.tr(" … ({0} languages)").format(
                    len(row.entry.languages)
                )
            cells = (
                row.name,
                row.engine,
                langs,
                row.size_text(),
                row.license_text(),
                self.tr("installed") if row.installed else (
                    self.tr("unfinished: {0}").format(_human(row.unfinished_bytes))
                    if row.unfinished_bytes is not None else ""),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ROW_KEY, row.key)
                if row.entry is not None:
                    tip = catalog.license_notice(row.entry.name)
                    if row.entry.notes:
                        tip += "\n" + row.entry.notes
                    item.setToolTip(tip)
                if c == 4 and row.commercial is False:
                    item.setForeground(QBrush(QColor(200, 40, 40)))
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        target = self._focus or keep
        self._focus = None
        if target is not None:
            self.select(target)
        self._update_buttons()

    def row_of(self, key: str) -> int:
        """Table row of ``engine/name`` or of a bare ``name`` (first match), -1 when absent."""
        for i, row in enumerate(self.rows):
            if row.key == key or row.name == key:
                return i
        return -1

    def select(self, key: str) -> bool:
        r = self.row_of(key)
        if r < 0:
            return False
        self.table.selectRow(r)
        item = self.table.item(r, 0)
        if item is not None:
            self.table.scrollToItem(item)
        return True

    def selected_row(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()].key

    def _current(self) -> ModelRow | None:
        key = self.selected_row()
        r = self.row_of(key) if key else -1
        return self.rows[r] if r >= 0 else None

    def _update_buttons(self) -> None:
        row = self._current()
        busy = self._op.busy
        reason = download_block_reason(row.entry) if row is not None else None
        can_download = row is not None and reason is None and not busy
        self.download_button.setEnabled(can_download)
        if row is None:
            tip = self.tr("Select a model first.")
        elif reason is not None:
            tip = self.tr("Download is disabled: {0}").format(reason)
        else:
            tip = self.tr("Download {0} ({1})").format(row.name, row.size_text())
        self.download_button.setToolTip(tip)
        self.notice.setText(
            tip if (row is not None and reason is not None) else (
                catalog.license_notice(row.entry.name) if row is not None and row.entry else ""
            )
        )
        installed = row is not None and row.installed is not None
        removable = row is not None and (row.installed is not None or row.unfinished_bytes is not None)
        self.remove_button.setEnabled(removable and not busy)
        self.verify_button.setEnabled(installed and not busy)
        self.cancel_button.setEnabled(busy and not self._cancel.is_set())
        self.import_dir_button.setEnabled(not busy)
        self.import_file_button.setEnabled(not busy)

    # -- operations (all on a worker thread) ---------------------------------------------------
    def _run(self, what: str, fn: Callable[[Report], object]) -> bool:
        if self._op.busy:
            self.status.setText(self.tr("Another model operation is still running."))
            return False
        self.last_error = None
        self.last_result = None
        self.status.setText(what)
        self.progress.setRange(0, 0)
        self._op.start(fn, token=what)
        self._update_buttons()
        return True

    def download_selected(self) -> bool:
        row = self._current()
        if row is None:
            return False
        reason = download_block_reason(row.entry)
        if reason is not None:
            self.status.setText(reason)
            return False
        entry = row.entry
        assert entry is not None
        if not entry.commercial_use:
            self.status.setText(catalog.license_notice(entry.name))
        store = self.store
        cancel = self._cancel = threading.Event()

        def work(report: Report) -> InstalledModel:
            return download.download(entry, store, progress=report, cancel=cancel)

        return self._run(self.tr("Downloading {0}…").format(entry.name), work)

    def cancel_download(self) -> None:
        """Stop a running download (it resumes from the wheels/files it already has)."""
        self._cancel.set()
        self.status.setText(self.tr("Cancelling…"))
        self._update_buttons()

    def import_path(self, path: str | Path) -> bool:
        store = self.store
        src = Path(path)
        return self._run(
            self.tr("Importing {0}…").format(src.name), lambda _report: store.import_path(src)
        )

    def _import_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Import a model folder"))
        if path:
            self.import_path(path)

    def _import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a model archive"),
            "",
            self.tr(
                "Model archives (*.argosmodel *.zip *.tar *.tar.gz *.tgz *.tar.xz *.tar.bz2 *.onnx)"
                ";;All files (*)"
            ),
        )
        if path:
            self.import_path(path)

    def remove_selected(self, *, confirm: bool = True) -> bool:
        """Remove the selected model, and any unfinished download of it (which may be all
        there is: a download that stopped part-way keeps its files for a resume until then)."""
        row = self._current()
        if row is None or (row.installed is None and row.unfinished_bytes is None):
            return False
        if confirm:
            question = (self.tr("Remove {0} from {1}?") if row.installed is not None else
                        self.tr("Delete the unfinished download of {0} from {1}?"))
            answer = QMessageBox.question(
                self, self.tr("Remove model"), question.format(row.key, self.store.root))
            if answer != QMessageBox.StandardButton.Yes:
                return False
        store = self.store
        key = row.key
        installed = row.installed is not None

        def remove(_report: Report) -> Path:
            gone = [store.remove(key)] if installed else []
            gone += [d.path for d in store.discard_partial(key)]
            return gone[0]

        return self._run(self.tr("Removing {0}…").format(key), remove)

    def verify_selected(self) -> bool:
        row = self._current()
        if row is None or row.installed is None:
            return False
        store = self.store
        key = row.key
        return self._run(self.tr("Verifying {0}…").format(key), lambda _report: store.verify(key))

    def _op_progress(self, _token: object, value: DownloadProgress) -> None:
        total = value.total_bytes
        done = value.done_bytes
        stage = value.stage
        if total:
            scale = max(1, total // 1_000_000)  # keep the bar's range within int
            self.progress.setRange(0, int(total // scale))
            self.progress.setValue(int(min(done, total) // scale))
            self.status.setText(f"{value.name}: {stage} {_human(done)} / {_human(total)}")
        else:
            self.progress.setRange(0, 0)
            self.status.setText(f"{value.name}: {stage}")

    def _op_done(self, token: object, result: object) -> None:
        self.last_result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        if isinstance(result, list):  # verify results
            lines = [getattr(r, "message", str(r)) for r in result]
            self.status.setText("\n".join(lines) or self.tr("Nothing to verify."))
        elif isinstance(result, InstalledModel):
            self.status.setText(self.tr("Installed {0} in {1}").format(result.qualified_name, result.path))
            self._focus = result.qualified_name
        elif isinstance(result, Path):
            self.status.setText(self.tr("Removed {0}").format(result))
        else:
            self.status.setText(self.tr("{0} done").format(token))
        if not isinstance(result, list):
            self.changed.emit()
        self.refresh()
        self._update_buttons()

    def _op_failed(self, _token: object, message: str) -> None:
        self.last_error = message
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(message)
        self._update_buttons()
