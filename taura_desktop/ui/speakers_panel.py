"""Speakers and voices: rename, add and merge speakers, assign the selection, re-run diarization
on the selection, pick a voice per language. ``speaker_palette`` gives each speaker the colour
the timeline paints its segments with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.model import VoiceSpec
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.pipeline.diarize import DiarizeOptions
from taura_desktop.pipeline.voice import speaker_default_voice, speaker_voice
from taura_desktop.ui.background import BackgroundCall, Report
from taura_desktop.ui.jobs_panel import StageRequest
from taura_desktop.ui.preview import AudioOut, sample_text, synthesize_preview

SPEAKER_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
# distinct hues that keep white text readable, in speaker order
SPEAKER_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#e377c2", "#8c564b", "#17becf", "#bcbd22")


def speaker_palette(project: Project | None) -> dict[str, QColor]:
    """A colour per speaker id, by the order speakers were added (stable across renames)."""
    if project is None:
        return {}
    colors = SPEAKER_COLORS
    return {sid: QColor(colors[i % len(colors)]) for i, sid in enumerate(project.state.speakers)}


def _swatch(color: QColor) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(color)
    return QIcon(pix)


def _voice_data(spec: VoiceSpec) -> str:
    return f"{spec.engine}:{spec.voice}"


class _VoiceLoader(QObject):
    loaded = Signal(str, list)  # lang, [("engine:voice", label)]

    def load(self, lang: str) -> None:
        def work() -> None:
            from taura_desktop.dub.voices import voice_choices  # lazy: +11 ms on GUI start

            try:
                voices = [(_voice_data(spec), label) for spec, label in voice_choices(lang)]
            except Exception:  # nothing listed: typing a voice still works
                voices = []
            self.loaded.emit(lang, voices)

        threading.Thread(target=work, name=f"voices-{lang}", daemon=True).start()


class SpeakersPanel(QWidget):
    """Reads the project directly; every change is an undoable edit."""

    message = Signal(str)
    previewReady = Signal(str)  # path of the synthesized sample

    def __init__(self, selection: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audio = AudioOut()
        self._preview = BackgroundCall(self, "voice-preview")
        self._preview.done.connect(self._preview_done)
        self._preview.failed.connect(
            lambda _t, msg: self.message.emit(self.tr("Preview failed: {0}").format(msg))
        )
        self.preview_buttons: dict[str, QToolButton] = {}
        self._project: Project | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._selection = selection
        self._voices: dict[str, list[tuple[str, str]]] = {}
        self._loader = _VoiceLoader(self)
        self._loader.loaded.connect(self._on_voices)
        self.enqueue: Callable[[StageRequest], None] | None = None  # queues a stage (the jobs panel)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemChanged.connect(self._renamed)
        self.list.currentItemChanged.connect(lambda *_: self._show_voices())
        self.add_button = QPushButton(self.tr("Add speaker"), self)
        self.add_button.clicked.connect(self.add_speaker)
        self.assign_button = QPushButton(self.tr("Assign to selection"), self)
        self.assign_button.clicked.connect(self.assign_selected)
        self.merge_button = QPushButton(self.tr("Merge"), self)
        self.merge_button.setToolTip(self.tr("Merge the selected speakers into the current one"))
        self.merge_button.clicked.connect(self.merge_selected)
        self.diarize_button = QPushButton(self.tr("Find speakers in selection"), self)
        self.diarize_button.setToolTip(
            self.tr("Re-run automatic speaker detection on the selected segments")
        )
        self.diarize_button.clicked.connect(self.rediarize_selection)
        self.voice_form = QFormLayout()
        self.voice_boxes: dict[str, QComboBox] = {}
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.assign_button)
        buttons2 = QHBoxLayout()
        buttons2.addWidget(self.merge_button)
        buttons2.addWidget(self.diarize_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Speakers (double-click to rename)"), self))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(buttons2)
        layout.addWidget(QLabel(self.tr("Voice per language"), self))
        layout.addLayout(self.voice_form)

    def set_project(self, project: Project | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._project = project
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
            for lang in project.meta.target_langs:
                if lang not in self._voices:
                    self._loader.load(lang)
        self._rebuild()

    def _on_change(self, change: Change) -> None:
        if change.kinds & (ChangeKind.SPEAKERS | ChangeKind.META):
            self._rebuild()

    def _rebuild(self) -> None:
        current = self.current_speaker()
        self.list.blockSignals(True)
        self.list.clear()
        project = self._project
        colors = speaker_palette(project)
        if project is not None:
            for sp in sorted(project.state.speakers.values(), key=lambda s: s.name.casefold()):
                item = QListWidgetItem(_swatch(colors[sp.id]), sp.name)
                item.setData(SPEAKER_ID_ROLE, sp.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
                if sp.id == current:
                    self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._show_voices()

    def current_speaker(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(SPEAKER_ID_ROLE))

    def _apply(self, make: Callable[[], edits.Edit]) -> None:
        if self._project is None:
            return
        try:
            self._project.apply(make())
        except TauraError as exc:
            self.message.emit(str(exc))

    def _renamed(self, item: QListWidgetItem) -> None:
        project = self._project
        if project is None:
            return
        sid = str(item.data(SPEAKER_ID_ROLE))
        name = item.text().strip()
        sp = project.state.speakers.get(sid)
        if sp is None or not name or name == sp.name:
            return
        self._apply(lambda: edits.rename_speaker(project.state, sid, name))

    def add_speaker(self) -> None:
        project = self._project
        if project is None:
            return
        name = self.tr("Speaker {0}").format(len(project.state.speakers) + 1)
        self._apply(lambda: edits.add_speaker(project.state, name))

    def assign_selected(self) -> None:
        project = self._project
        sid = self.current_speaker()
        ids = self._selection()
        if project is None or not ids:
            self.message.emit(self.tr("Select segments first."))
            return
        self._apply(lambda: edits.set_speaker(project.state, ids, sid))

    def merge_selected(self) -> None:
        """Merge the selected speakers into the current one (one undo step)."""
        project = self._project
        keep = self.current_speaker()
        others = [str(i.data(SPEAKER_ID_ROLE)) for i in self.list.selectedItems()]
        others = [sid for sid in others if sid != keep]
        if project is None or keep is None or not others:
            self.message.emit(self.tr("Select two or more speakers; the current one is kept."))
            return
        self._apply(lambda: edits.merge_speakers(project.state, keep, others))

    def rediarize_selection(self) -> bool:
        """Queue automatic speaker detection over the time range of the selected segments."""
        project = self._project
        ids = [i for i in self._selection() if project is not None and i in project.state.segments]
        if project is None or not ids:
            self.message.emit(self.tr("Select segments first."))
            return False
        if self.enqueue is None:
            self.message.emit(self.tr("No job queue to run speaker detection in."))
            return False
        segs = [project.state.segments[i] for i in ids]
        span = (min(s.start_ms for s in segs), max(s.end_ms for s in segs))
        engine = project.meta.settings.get("tts_engine")
        options = DiarizeOptions(range_ms=span, tts_engine=str(engine) if engine else None)
        self.enqueue(StageRequest("diarize", options, self.tr("Find speakers ({0})").format(len(ids))))
        return True

    def _on_voices(self, lang: str, voices: list[tuple[str, str]]) -> None:
        self._voices[lang] = voices
        self._show_voices()

    def _show_voices(self) -> None:
        # take the rows out and delete their widgets later: this may run inside one of those
        # widgets' own signals (a voice chosen with Enter), and deleting it there crashes
        while self.voice_form.rowCount():
            taken = self.voice_form.takeRow(0)
            for item in (taken.labelItem, taken.fieldItem):
                if item is None:
                    continue
                widgets = [item.widget()] if item.widget() is not None else []
                layout = item.layout()
                if layout is not None:
                    for i in range(layout.count()):
                        sub = layout.itemAt(i)
                        widgets.append(sub.widget() if sub is not None else None)
                for w in widgets:
                    if w is not None:
                        w.hide()
                        w.deleteLater()
        self.voice_boxes = {}
        self.preview_buttons = {}
        project = self._project
        sid = self.current_speaker()
        if project is None or sid is None or sid not in project.state.speakers:
            return
        sp = project.state.speakers[sid]
        for lang in project.meta.target_langs:
            box = QComboBox(self)
            box.setEditable(True)  # type to search; only known voices are accepted
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.addItem(self.tr("(default: {0})").format(self._default_label(lang)), "")
            for vid, label in self._voices.get(lang, []):
                box.addItem(label, vid)
            current = sp.voices.get(lang)
            if current is not None and current.voice:
                i = box.findData(_voice_data(current))
                if i < 0:
                    box.addItem(f"{current.engine} {current.voice}", _voice_data(current))
                    i = box.count() - 1
                box.setCurrentIndex(i)
            box.activated.connect(lambda _i, lang=lang, box=box: self._voice_chosen(lang, box))
            line = box.lineEdit()
            if line is not None:  # Enter on typed text that matches no entry: say so
                line.returnPressed.connect(lambda lang=lang, box=box: self._voice_chosen(lang, box))
            play = QToolButton(self)
            play.setText("▶")
            play.setToolTip(self.tr("Preview this voice"))
            play.clicked.connect(lambda _c=False, lang=lang: self.preview(lang))
            row = QHBoxLayout()
            row.addWidget(box, 1)
            row.addWidget(play)
            self.voice_form.addRow(lang, row)
            self.voice_boxes[lang] = box
            self.preview_buttons[lang] = play

    def _engine_setting(self) -> str | None:
        project = self._project
        value = project.meta.settings.get("tts_engine") if project is not None else None
        return str(value) if value else None

    def _voice(self, sid: str, lang: str) -> VoiceSpec:
        """The voice the dub uses for this speaker (the same function as the voice stage)."""
        assert self._project is not None
        return speaker_voice(self._project, sid, lang, self._engine_setting())

    def _default_label(self, lang: str) -> str:
        project, sid = self._project, self.current_speaker()
        if project is None or sid is None:
            return ""
        try:
            spec = speaker_default_voice(project, sid, lang, self._engine_setting())
        except TauraError as exc:
            return str(exc)
        return f"{spec.engine} {spec.voice}".strip()

    def _voice_chosen(self, lang: str, box: QComboBox) -> None:
        project = self._project
        sid = self.current_speaker()
        if project is None or sid is None:
            return
        old = project.state.speakers[sid].voices.get(lang)
        old = old or VoiceSpec(engine=self._engine_setting() or "espeak")
        data = self._known_voice(box)
        if data is None:
            typed = box.currentText().strip()
            self.message.emit(
                self.tr("Unknown voice '{0}' for {1}: choose one from the list.").format(typed, lang)
            )
            i = box.findData(_voice_data(old)) if old.voice else 0
            box.setCurrentIndex(i if i >= 0 else 0)
            return
        engine, _, voice = data.partition(":") if data else (old.engine, "", "")
        if (old.engine, old.voice) == (engine, voice):
            return
        from dataclasses import replace

        spec = replace(old, engine=engine, voice=voice)
        # after the combo box's own event handling: the change rebuilds these widgets
        QTimer.singleShot(0, lambda: self._set_voice(sid, lang, spec))

    def _set_voice(self, sid: str, lang: str, spec: VoiceSpec) -> None:
        project = self._project
        if project is None or sid not in project.state.speakers:
            return
        if project.state.speakers[sid].voices.get(lang) == spec:
            return  # Enter and activated both asked for it
        self._apply(lambda: edits.set_voice(project.state, sid, lang, spec))

    @staticmethod
    def _known_voice(box: QComboBox) -> str | None:
        """The voice id the box names: its list entry (by label or id, any case), else None."""
        typed = box.currentText().strip()
        i = box.currentIndex()
        if i >= 0 and box.itemText(i) == box.currentText():
            return str(box.itemData(i) or "")
        for j in range(box.count()):
            data = str(box.itemData(j) or "")
            names = (box.itemText(j), data, data.partition(":")[2])
            if typed.casefold() in (n.casefold() for n in names if n):
                return data
        return None

    # -- preview ---------------------------------------------------------------------------------
    def preview(self, lang: str) -> bool:
        """Synthesize a short sample of the current speaker's voice in ``lang`` (worker thread)
        and play it when ready."""
        project = self._project
        sid = self.current_speaker()
        if project is None or sid is None or sid not in project.state.speakers:
            self.message.emit(self.tr("Select a speaker first."))
            return False
        if self._preview.busy:
            self.message.emit(self.tr("A preview is already being made."))
            return False
        try:
            spec = self._voice(sid, lang)
        except TauraError as exc:
            self.message.emit(str(exc))
            return False
        lines = []
        for seg in project.state.ordered():
            if seg.speaker_id == sid:
                tr = seg.translation(lang)
                if tr is not None and tr.text.strip():
                    lines.append(tr.text)
                    if len(lines) >= 3:
                        break
        text = sample_text(lang, lines)
        self.message.emit(self.tr("Making a {0} voice preview…").format(lang))

        def work(_report: Report) -> Path:
            return synthesize_preview(lang, spec, text)

        self._preview.start(work, lang)
        return True

    def _preview_done(self, _lang: str, path: Path) -> None:
        problem = self.audio.play(path)
        if problem:
            self.message.emit(problem)
        self.previewReady.emit(str(path))

    def close_audio(self) -> None:
        self.audio.close()
