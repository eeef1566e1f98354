"""Project settings (spoken language, subtitle rules) and the choice offered when a new
project would be transcribed but no speech-recognition model is installed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from taura_desktop.core import edits
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.pipeline.engines import best_whisper
from taura_desktop.segmentation.profiles import PROFILE_SETTING, PROFILES
from taura_desktop.ui.new_project import LANGS


def asr_model_problem(language: str | None) -> str | None:
    """None when a speech-recognition model fits ``language``, else one sentence saying why not."""
    try:
        best_whisper(language, None)
    except TauraError as exc:
        return str(exc).split(";")[0]
    return None


class NoAsrModelBox(QMessageBox):
    """Install a model (the model manager, with progress and cancel) or import subtitles."""

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle(self.tr("No speech recognition model"))
        self.setText(self.tr("This project cannot be transcribed yet: {0}.").format(reason))
        self.setInformativeText(
            self.tr(
                "Install a Whisper model (download or import, with progress; you can cancel), or "
                "import subtitles as the source text instead."
            )
        )
        self.install_button = self.addButton(self.tr("Install a model…"), QMessageBox.ButtonRole.AcceptRole)
        self.import_button = self.addButton(self.tr("Import subtitles…"), QMessageBox.ButtonRole.ActionRole)
        self.later_button = self.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.install_button)

    def choice(self) -> str:
        """'install', 'import' or 'later' (after exec)."""
        clicked = self.clickedButton()
        if clicked is self.install_button:
            return "install"
        if clicked is self.import_button:
            return "import"
        return "later"


class ProjectSettingsDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Project settings"))
        self.project = project
        self.source_box = QComboBox(self)
        self.source_box.addItem(self.tr("Not set (detect when transcribing)"), "")
        for code, name in LANGS:
            self.source_box.addItem(f"{self.tr(name)} ({code})", code)
        current = project.meta.source_lang or ""
        i = self.source_box.findData(current)
        if i < 0:
            self.source_box.addItem(current, current)
            i = self.source_box.count() - 1
        self.source_box.setCurrentIndex(i)
        self.profile_box = QComboBox(self)
        for name in PROFILES:
            self.profile_box.addItem(name, name)
        self.profile_box.setCurrentIndex(
            max(0, self.profile_box.findData(str(project.meta.settings.get(PROFILE_SETTING, "netflix"))))
        )
        form = QFormLayout(self)
        form.addRow(self.tr("Spoken (source) language"), self.source_box)
        form.addRow(self.tr("Subtitle rules (QC)"), self.profile_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def apply(self) -> int:
        """Apply the changes as undoable edits; returns how many settings changed."""
        p = self.project
        changed = 0
        lang = str(self.source_box.currentData() or "") or None
        if lang != p.meta.source_lang:
            p.apply(edits.set_meta(p.state, "Set source language", source_lang=lang))
            changed += 1
        profile = str(self.profile_box.currentData())
        if profile != str(p.meta.settings.get(PROFILE_SETTING, "netflix")):
            p.apply(edits.set_setting(p.state, PROFILE_SETTING, profile))
            changed += 1
        return changed
