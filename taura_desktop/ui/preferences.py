"""The preferences dialog (timeline behaviour and theme)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from taura_desktop.ui.settings import Pref, Settings


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.settings = settings
        self.follow = QCheckBox(self.tr("Timeline follows the playhead"), self)
        self.follow.setChecked(bool(settings.get(Pref.FOLLOW_PLAYHEAD)))
        self.snap = QSpinBox(self)
        self.snap.setRange(0, 40)
        self.snap.setSuffix(" px")
        self.snap.setValue(int(settings.get(Pref.SNAP_PX)))
        self.gap = QSpinBox(self)
        self.gap.setRange(0, 1000)
        self.gap.setSuffix(" ms")
        self.gap.setValue(int(settings.get(Pref.MIN_GAP_MS)))
        self.theme = QComboBox(self)
        for value, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(self.tr(label), value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.get(Pref.THEME))))
        self.low_priority = QCheckBox(self.tr("Run jobs at a lower priority (keeps the editor smooth)"), self)
        self.low_priority.setToolTip(self.tr(
            "Transcription, translation, voicing and export let the editor have the CPU first. "
            "Alone on the computer they still use every core; next to other busy programs they "
            "get a smaller share."))
        self.low_priority.setChecked(bool(settings.get(Pref.LOW_PRIORITY_JOBS)))
        form = QFormLayout(self)
        form.addRow(self.follow)
        form.addRow(self.tr("Snap distance"), self.snap)
        form.addRow(self.tr("Minimum gap between segments"), self.gap)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.low_priority)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        self.settings.set(Pref.FOLLOW_PLAYHEAD, self.follow.isChecked())
        self.settings.set(Pref.SNAP_PX, self.snap.value())
        self.settings.set(Pref.MIN_GAP_MS, self.gap.value())
        self.settings.set(Pref.THEME, str(self.theme.currentData()))
        self.settings.set(Pref.LOW_PRIORITY_JOBS, self.low_priority.isChecked())
