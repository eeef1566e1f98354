"""New-project dialog: a video, the source language (or detect), targets, engines, stages."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.errors import EngineUnavailableError
from taura_desktop.modelstore.store import ModelStore
from taura_desktop.pipeline.engines import best_whisper
from taura_desktop.ui.jobs_panel import known_stages, pipeline_available

LANGS = (
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("ca", "Catalan"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("tr", "Turkish"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
    ("eo", "Esperanto"),
)
VIDEO_FILTER = "Media (*.mp4 *.mkv *.mov *.webm *.avi *.m4v *.mp3 *.wav *.flac *.ogg *.m4a);;All files (*)"
STAGES = (("transcribe", "Transcribe"), ("translate", "Translate"), ("voice", "Voice (dub)"))


@dataclass(frozen=True, slots=True)
class NewProjectSpec:
    media: Path
    project: Path
    source_lang: str | None  # None = detect
    target_langs: tuple[str, ...]
    mt_engine: str
    tts_engine: str
    stages: tuple[str, ...]


def mt_engines() -> list[tuple[str, str, bool]]:
    """(id, label, available) for the machine-translation engines."""
    return [
        ("apertium", "Apertium (rule-based)", shutil.which("apertium") is not None),
        ("argos", "Argos Translate (neural)", True),
    ]


def tts_engines() -> list[tuple[str, str, bool]]:
    """(id, label, available); "" = the best installed engine for each language."""
    return [
        ("", "Best installed voice per language", True),
        ("espeak", "eSpeak NG", shutil.which("espeak-ng") is not None or shutil.which("espeak") is not None),
        ("piper", "Piper (neural)", True),
        ("kokoro", "Kokoro (neural)", True),
    ]


def missing_models(source_lang: str | None, targets: tuple[str, ...], mt_engine: str,
                   stages: tuple[str, ...], whisper_model: str | None = None) -> list[tuple[str, str]]:
    """(engine/name, why) of store models the chosen stages need but are not installed.
    ``whisper_model`` None: any installed Whisper that fits the language will do (the
    transcribe stage picks the best one); ``base`` is proposed when none does."""
    store = ModelStore()
    out: list[tuple[str, str]] = []
    if "transcribe" in stages:
        if whisper_model is not None:
            if not store.is_installed("whisper", whisper_model):
                out.append((f"whisper/{whisper_model}", "speech recognition"))
        else:
            try:
                best_whisper(source_lang, str(store.root))
            except EngineUnavailableError:
                out.append(("whisper/base", "speech recognition"))
    if "translate" in stages and mt_engine == "argos" and source_lang:
        for tgt in targets:
            name = f"translate-{source_lang}_{tgt}"
            if not store.is_installed("argos", name):
                out.append((f"argos/{name}", f"translation {source_lang}→{tgt}"))
    return out


class NewProjectDialog(QDialog):
    modelsRequested = Signal(str)  # engine/name to show in the model manager

    def __init__(self, parent: QWidget | None = None, media: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New project"))
        self.setAcceptDrops(True)
        self.media_edit = QLineEdit(self)
        self.media_edit.setPlaceholderText(self.tr("Choose or drop a video…"))
        self.media_edit.textChanged.connect(self._media_changed)
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._browse)
        self.project_edit = QLineEdit(self)
        self.source_box = QComboBox(self)
        self.source_box.addItem(self.tr("Detect automatically"), "")
        for code, name in LANGS:
            self.source_box.addItem(f"{self.tr(name)} ({code})", code)
        self.targets = QListWidget(self)
        for code, name in LANGS:
            item = QListWidgetItem(f"{self.tr(name)} ({code})")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code == "es" else Qt.CheckState.Unchecked)
            self.targets.addItem(item)
        self.targets.setMaximumHeight(140)
        self.mt_box = QComboBox(self)
        for eid, label, ok in mt_engines():
            if ok:
                self.mt_box.addItem(self.tr(label), eid)
        self.tts_box = QComboBox(self)
        for eid, label, ok in tts_engines():
            if ok:
                self.tts_box.addItem(self.tr(label), eid)
        reason = pipeline_available()
        have = set(known_stages())
        self.stage_checks: dict[str, QCheckBox] = {}
        stage_row = QHBoxLayout()
        for sid, label in STAGES:
            box = QCheckBox(self.tr(label), self)
            box.setChecked(reason is None and sid in have)
            box.setEnabled(reason is None and sid in have)
            self.stage_checks[sid] = box
            stage_row.addWidget(box)
        self.models_note = QLabel(self)
        self.models_note.setWordWrap(True)
        self.models_note.setTextFormat(Qt.TextFormat.RichText)
        self.models_note.linkActivated.connect(self.modelsRequested.emit)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        if reason is not None:
            self.note.setText(self.tr("Stages cannot run: {0}. The project is created empty.").format(reason))
        media_row = QHBoxLayout()
        media_row.addWidget(self.media_edit, 1)
        media_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Video"), media_row)
        form.addRow(self.tr("Project file"), self.project_edit)
        form.addRow(self.tr("Spoken language"), self.source_box)
        form.addRow(self.tr("Translate to"), self.targets)
        form.addRow(self.tr("Translation engine"), self.mt_box)
        form.addRow(self.tr("Voice engine"), self.tts_box)
        form.addRow(self.tr("Run now"), stage_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.models_note)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.source_box.currentIndexChanged.connect(lambda _i: self.check_models())
        self.mt_box.currentIndexChanged.connect(lambda _i: self.check_models())
        self.targets.itemChanged.connect(lambda _i: self.check_models())
        for box in self.stage_checks.values():
            box.toggled.connect(lambda _on: self.check_models())
        if media:
            self.media_edit.setText(media)
        self._media_changed()
        self.check_models()

    def check_models(self) -> list[tuple[str, str]]:
        """Show the models the chosen stages still need, each a link to the model manager."""
        spec = self.spec()
        missing = missing_models(spec.source_lang, spec.target_langs, spec.mt_engine, spec.stages)
        if missing:
            links = ", ".join(f'<a href="{key}">{key}</a> ({why})' for key, why in missing)
            self.models_note.setText(
                self.tr("Not installed yet: {0}. Click one to open the model manager.").format(links)
            )
        else:
            self.models_note.setText("")
        self.models_note.setVisible(bool(missing))
        return missing

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a video"), "", self.tr(VIDEO_FILTER))
        if path:
            self.media_edit.setText(path)

    def _media_changed(self) -> None:
        text = self.media_edit.text().strip()
        ok = bool(text) and Path(text).is_file()
        if ok:
            self.project_edit.setText(str(Path(text).with_suffix(".taura")))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            self.media_edit.setText(event.mimeData().urls()[0].toLocalFile())

    def spec(self) -> NewProjectSpec:
        targets = tuple(
            str(self.targets.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.targets.count())
            if self.targets.item(i).checkState() == Qt.CheckState.Checked
        )
        src = str(self.source_box.currentData() or "") or None
        return NewProjectSpec(
            media=Path(self.media_edit.text().strip()),
            project=Path(self.project_edit.text().strip()),
            source_lang=src,
            target_langs=targets,
            mt_engine=str(self.mt_box.currentData() or ""),
            tts_engine=str(self.tts_box.currentData() or ""),
            stages=tuple(s for s, box in self.stage_checks.items() if box.isChecked()),
        )
