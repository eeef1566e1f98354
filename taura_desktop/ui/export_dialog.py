"""Export dialog: everything the export stage offers, run through the jobs panel.

Kinds: a dubbed master (MP4 or MKV: every chosen language as an audio track, subtitles as
tracks), subtitles (SRT/VTT/ASS/TTML per language), audio stems, an OpenTimelineIO timeline,
or a video with one language's subtitles burned in. The dialog only builds
:class:`~taura_desktop.pipeline.deliver.ExportOptions`; the work runs in the job worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
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
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.core.project import Project
from taura_desktop.modelstore.store import ModelStore
from taura_desktop.pipeline.deliver import MEDIA_KINDS, MIXED_KINDS, ExportOptions
from taura_desktop.subtitles.io import WRITE_FORMATS

# (kind, label, output is a folder, file suffix)
KINDS: tuple[tuple[str, str, bool, str], ...] = (
    ("mp4", "Dubbed master video (MP4)", False, ".mp4"),
    ("mkv", "Dubbed master video (MKV)", False, ".mkv"),
    ("subtitles", "Subtitle files", True, ""),
    ("stems", "Audio stems (WAV)", True, ""),
    ("otio", "Editing timeline (OpenTimelineIO, with FCPXML and EDL)", False, ".otio"),
    ("burn", "Video with burned-in subtitles (one language)", False, ".mp4"),
)
MIX_MODES = (
    ("duck", "Duck the original under the dub"),
    ("replace", "Replace the original audio"),
    ("background", "Dub over the background (separated music/effects)"),
)
LOUDNESS = (("broadcast", "Broadcast (EBU R128, -23 LUFS)"), ("web", "Web (-16 LUFS)"))


def background_available() -> bool:
    """Whether the background mix can run: the export worker separates the music/effects
    stem with the ``separation/htdemucs`` model, which must be installed (a stat, no reading)."""
    return ModelStore().is_installed("separation", "htdemucs")


def kind_info(kind: str) -> tuple[str, bool, str]:
    for k, label, folder, suffix in KINDS:
        if k == kind:
            return label, folder, suffix
    raise ValueError(f"unknown export kind {kind!r}")


def default_output(project: Project, kind: str, langs: tuple[str, ...] = ()) -> Path:
    """``<project folder>/<name>[.<lang>].<suffix>`` or a ``<name>_<kind>`` folder."""
    _label, folder, suffix = kind_info(kind)
    base = project.path.parent
    name = project.meta.name
    if folder:
        return base / f"{name}_{kind}"
    tag = f".{langs[0]}" if kind == "burn" and langs else (".dub" if kind in ("mp4", "mkv") else "")
    return base / f"{name}{tag}{suffix}"


class ExportDialog(QDialog):
    """Pick what to export; :meth:`options` gives the stage options, :meth:`problem` says what
    is wrong (OK stays disabled while there is a problem)."""

    def __init__(self, project: Project, parent: QWidget | None = None, *, lang: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.project = project
        self._output_touched = False
        self.kind_box = QComboBox(self)
        for kind, label, _folder, _suffix in KINDS:
            self.kind_box.addItem(self.tr(label), kind)
        self.output_edit = QLineEdit(self)
        self.output_edit.textEdited.connect(self._output_edited)
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._browse)
        self.langs = QListWidget(self)
        self.langs.setMaximumHeight(110)
        for code in project.meta.target_langs:
            item = QListWidgetItem(code)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = lang is None or code == lang
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.langs.addItem(item)
        self.langs.itemChanged.connect(lambda _i: self._refresh())
        self.mix_box = QComboBox(self)
        for value, label in MIX_MODES:
            self.mix_box.addItem(self.tr(label), value)
        self.mix_box.currentIndexChanged.connect(lambda _i: self._refresh())
        self.loud_box = QComboBox(self)
        for value, label in LOUDNESS:
            self.loud_box.addItem(self.tr(label), value)
        self.format_checks: dict[str, QCheckBox] = {}
        fmt_row = QHBoxLayout()
        for fmt in WRITE_FORMATS:
            box = QCheckBox(fmt.upper(), self)
            box.setChecked(True)
            box.toggled.connect(lambda _on: self._refresh())
            self.format_checks[fmt] = box
            fmt_row.addWidget(box)
        fmt_row.addStretch(1)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("exportProblem")
        self.problem_label.setWordWrap(True)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output_edit, 1)
        out_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Export"), self.kind_box)
        form.addRow(self.tr("Save to"), out_row)
        form.addRow(self.tr("Languages"), self.langs)
        form.addRow(self.tr("Audio mix"), self.mix_box)
        form.addRow(self.tr("Loudness"), self.loud_box)
        form.addRow(self.tr("Subtitle formats"), fmt_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.output_edit.textChanged.connect(lambda _t: self._refresh())
        self._kind_changed()

    # -- state ---------------------------------------------------------------------------------
    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_box.setCurrentIndex(self.kind_box.findData(kind))

    def chosen_langs(self) -> tuple[str, ...]:
        return tuple(
            str(self.langs.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.langs.count())
            if self.langs.item(i).checkState() == Qt.CheckState.Checked
        )

    def set_langs(self, langs: tuple[str, ...]) -> None:
        self.langs.blockSignals(True)
        for i in range(self.langs.count()):
            item = self.langs.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in langs
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.langs.blockSignals(False)
        self._refresh()

    def formats(self) -> tuple[str, ...]:
        return tuple(f for f, box in self.format_checks.items() if box.isChecked())

    def _output_edited(self, _text: str) -> None:
        self._output_touched = True

    def _kind_changed(self) -> None:
        kind = self.kind()
        self.mix_box.setEnabled(kind in MIXED_KINDS)
        self.loud_box.setEnabled(kind in MIXED_KINDS)
        for box in self.format_checks.values():
            box.setEnabled(kind == "subtitles")
        if not self._output_touched:
            self.output_edit.setText(str(default_output(self.project, kind, self.chosen_langs())))
        self._refresh()

    def problem(self) -> str | None:
        """None when the export can start, else one line saying what to change."""
        kind = self.kind()
        langs = self.chosen_langs()
        if not self.output_edit.text().strip():
            return self.tr("Choose where to save the export.")
        if kind == "burn" and len(langs) != 1:
            return self.tr("Burned-in subtitles need exactly one language.")
        if kind != "subtitles" and not langs and self.project.meta.target_langs:
            return self.tr("Choose at least one language.")
        if kind == "subtitles" and not self.formats():
            return self.tr("Choose at least one subtitle format.")
        media = self.project.meta.media
        if kind in MEDIA_KINDS and (media is None or not Path(media.path).is_file()):
            where = media.path if media is not None else self.project.path.name
            return self.tr(
                "The project's video is missing ({0}); only subtitles can be exported."
            ).format(where)
        if kind in MIXED_KINDS and self.mix_box.currentData() == "background" and not background_available():
            return self.tr(
                "The background mix needs the music/effects separation model (htdemucs): import it "
                "in File > Models, or choose duck or replace."
            )
        return None

    def _refresh(self) -> None:
        if not self._output_touched and self.kind() == "burn":
            self.output_edit.blockSignals(True)
            self.output_edit.setText(str(default_output(self.project, "burn", self.chosen_langs())))
            self.output_edit.blockSignals(False)
        problem = self.problem()
        self.problem_label.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def _browse(self) -> None:
        _label, folder, suffix = kind_info(self.kind())
        current = self.output_edit.text().strip()
        if folder:
            path = QFileDialog.getExistingDirectory(self, self.tr("Export into folder"), current)
        else:
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export to"), current, f"*{suffix};;*" if suffix else "*"
            )
        if path:
            self._output_touched = True
            self.output_edit.setText(path)

    def accept(self) -> None:
        """Export; an existing file (or a folder with files in it) is replaced only when the
        user says so."""
        out = Path(self.output_edit.text().strip()).expanduser()
        _label, folder, _suffix = kind_info(self.kind())
        exists = (out.is_dir() and any(out.iterdir())) if folder else out.exists()
        if exists:
            what = (
                self.tr("The folder {0} already has files; exported files of the same name will be replaced.")
                if folder
                else self.tr("{0} already exists. Replace it?")
            ).format(out)
            answer = QMessageBox.question(
                self,
                self.tr("Replace existing export?"),
                what,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()

    # -- result --------------------------------------------------------------------------------
    def options(self) -> ExportOptions:
        """The export stage's options for what is chosen."""
        kind = self.kind()
        out = Path(self.output_edit.text().strip()).expanduser()
        langs = self.chosen_langs()
        return ExportOptions(
            kind=kind,
            output=str(out),
            langs=langs,
            mix=str(self.mix_box.currentData()),
            loudness=str(self.loud_box.currentData()),
            subtitle_formats=self.formats() or WRITE_FORMATS,
        )

    def label(self) -> str:
        label, _folder, _suffix = kind_info(self.kind())
        langs = self.chosen_langs()
        return self.tr("Export: {0}").format(self.tr(label)) + (f" [{', '.join(langs)}]" if langs else "")
