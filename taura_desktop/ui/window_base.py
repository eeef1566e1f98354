"""The editor window's widgets and the state they share (the lowest layer of the window).

Selection is shared by id between the table, the timeline and the player; the project is the
only source of data (the table model and the timeline read it directly and refresh on the
project's change notifications). Every change is an undoable core edit.

Layers: :class:`WindowBase` (widgets, selection, filters, playback sync) <-
:class:`~taura_desktop.ui.window_ops.WindowOps` (project lifecycle, edits, jobs) <-
:class:`~taura_desktop.ui.main_window.MainWindow` (menus, actions, shortcuts).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.app import peaks as app_peaks
from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError, first_line
from taura_desktop.media.peaks import Peaks, compute_peaks
from taura_desktop.pipeline.segment_dub import SegmentDub
from taura_desktop.ui.empty_hint import EmptyHint
from taura_desktop.ui.jobs_panel import (
    JobsPanel,
)
from taura_desktop.ui.legend import ClipLegend
from taura_desktop.ui.player import Player
from taura_desktop.ui.project_dialogs import NoAsrModelBox
from taura_desktop.ui.qc_panel import QcPanel
from taura_desktop.ui.segment_model import (
    Col,
    FilterSpec,
    SegmentFilterProxy,
    SegmentTableModel,
)
from taura_desktop.ui.segment_pane import SegmentPane
from taura_desktop.ui.settings import Pref, Settings
from taura_desktop.ui.speakers_panel import SpeakersPanel
from taura_desktop.ui.timeline import Timeline
from taura_desktop.ui.tm_panel import AlternativesPanel


class _PeaksLoader(QObject):
    """Computes waveform peaks off the GUI thread (decoding is slow for long media)."""

    done = Signal(object, object)  # (token, Peaks)
    failed = Signal(object, str)

    def start(self, token: object, path: str) -> None:
        def work() -> None:
            try:
                from taura_desktop.export.profile import prime_loudness_cache  # lazy: +29 ms on GUI start

                self.done.emit(token, compute_peaks(path, app_peaks.PEAKS_BUCKET_MS))
                prime_loudness_cache(path)  # so the first export skips its measuring pass
            except Exception as exc:  # MediaError or a missing decoder: no waveform, still usable
                self.failed.emit(token, first_line(exc))

        threading.Thread(target=work, name="peaks", daemon=True).start()


class WindowBase(QMainWindow):
    projectOpened = Signal(str)
    projectClosed = Signal()
    tmFailed = Signal(str)

    def __init__(self, settings: Settings | None = None, *, player_vo: str | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.project: Project | None = None
        self.model: SegmentTableModel | None = None
        self.proxy = SegmentFilterProxy(self)
        self._unsubscribe: Callable[[], None] | None = None
        self._syncing = False
        self._peaks_token: object = None
        self.setAcceptDrops(True)
        self.setWindowTitle(self.tr("Taura"))
        self.resize(1280, 860)

        # widgets
        self.player = Player(self, vo=player_vo)
        self.timeline = Timeline(self)
        self.timeline.snap_px = int(self.settings.get(Pref.SNAP_PX))
        self.timeline.min_gap_ms = int(self.settings.get(Pref.MIN_GAP_MS))
        self.timeline.set_follow(bool(self.settings.get(Pref.FOLLOW_PLAYHEAD)))
        self.table = QTableView(self)
        self.table.setObjectName("segmentTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        # typing on a row opens the editor with the cell's text kept (see eventFilter)
        self.table.installEventFilter(self)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vh.hide()
        self._setup_header()
        self.empty_hint = EmptyHint(self.table, self.proxy)

        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.banner_locate = QPushButton(self.tr("Locate video…"), self)
        self.banner_locate.setToolTip(self.tr("Point the project at its video where it is now"))
        self.banner_locate.clicked.connect(lambda: self.locate_media())
        self.banner_locate.hide()
        self.banner_close = QToolButton(self)
        self.banner_close.setText("×")
        self.banner_close.clicked.connect(self.hide_banner)
        self.banner_close.hide()

        # filter / find bar
        self.lang_box = QComboBox(self)
        self.lang_box.setToolTip(self.tr("Target language shown in the table and the overlay"))
        self.lang_box.currentIndexChanged.connect(self._lang_changed)
        self.f_review = QCheckBox(self.tr("Needs review"), self)
        self.f_qc = QCheckBox(self.tr("QC issues"), self)
        self.f_overflow = QCheckBox(self.tr("Overflow"), self)
        self.f_speaker = QComboBox(self)
        self.find_edit = QLineEdit(self)
        self.find_edit.setPlaceholderText(self.tr("Find…"))
        self.find_edit.setClearButtonEnabled(True)
        self.find_field = QComboBox(self)
        for value, label in (
            ("both", "Source + translation"),
            ("source", "Source"),
            ("translation", "Translation"),
        ):
            self.find_field.addItem(self.tr(label), value)
        self.replace_edit = QLineEdit(self)
        self.replace_edit.setPlaceholderText(self.tr("Replace with…"))
        self.replace_button = QPushButton(self.tr("Replace all"), self)
        self.replace_one_button = QPushButton(self.tr("Replace"), self)
        self.replace_one_button.setToolTip(self.tr("Replace in this segment and find the next one"))
        self.f_case = QCheckBox(self.tr("Aa"), self)
        self.f_case.setToolTip(self.tr("Match case"))
        self.f_word = QCheckBox(self.tr("Word"), self)
        self.f_word.setToolTip(self.tr("Whole words only"))
        self.f_regex = QCheckBox(self.tr(".*"), self)
        self.f_regex.setToolTip(self.tr("Regular expression (the replacement may use \\1)"))
        for w in (self.f_review, self.f_qc, self.f_overflow):
            w.toggled.connect(self._filters_changed)
        self.f_speaker.currentIndexChanged.connect(self._filters_changed)
        self.find_edit.textChanged.connect(self._filters_changed)
        self.find_field.currentIndexChanged.connect(self._filters_changed)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QLabel(self.tr("Language"), self))
        bar.addWidget(self.lang_box)
        bar.addSpacing(12)
        for w in (self.f_review, self.f_qc, self.f_overflow):
            bar.addWidget(w)
        bar.addWidget(self.f_speaker)
        bar.addStretch(1)
        find_bar = QHBoxLayout()  # a row of its own: the boxes keep a usable width
        find_bar.setContentsMargins(4, 0, 4, 2)
        find_bar.addWidget(self.find_edit, 2)
        find_bar.addWidget(self.find_field)
        for box in (self.f_case, self.f_word, self.f_regex):
            find_bar.addWidget(box)
        find_bar.addWidget(self.replace_edit, 2)
        find_bar.addWidget(self.replace_one_button)
        find_bar.addWidget(self.replace_button)

        table_host = QWidget(self)
        tl = QVBoxLayout(table_host)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addLayout(bar)
        tl.addLayout(find_bar)
        # the current-segment pane under the table (not a full-width dock: the video keeps its room)
        self.pane = SegmentPane(self)
        self.pane.message.connect(self.show_message)
        self.table_split = QSplitter(Qt.Orientation.Vertical, self)
        self.table_split.addWidget(self.table)
        self.table_split.addWidget(self.pane)
        self.table_split.setStretchFactor(0, 1)
        self.table_split.setStretchFactor(1, 0)
        self.pane_toggle = QAction(self.tr("Current segment pane"), self)
        self.pane_toggle.setCheckable(True)
        self.pane_toggle.setChecked(True)
        self.pane_toggle.toggled.connect(self.pane.setVisible)
        tl.addWidget(self.table_split, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.player)
        self.splitter.addWidget(self.timeline)
        self.splitter.addWidget(table_host)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([380, self.timeline.sizeHint().height(), 300])
        central = QWidget(self)
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        brow = QHBoxLayout()
        brow.addWidget(self.banner, 1)
        brow.addWidget(self.banner_locate)
        brow.addWidget(self.banner_close)
        cl.addLayout(brow)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.speakers = SpeakersPanel(self.selected_ids, self)
        self.speakers.message.connect(self.show_message)
        dock = QDockWidget(self.tr("Speakers and voices"), self)
        dock.setObjectName("speakersDock")
        dock.setWidget(self.speakers)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.speakers_dock = dock
        self.jobs = JobsPanel(self)
        self.jobs.set_low_priority(bool(self.settings.get(Pref.LOW_PRIORITY_JOBS)))
        self.jobs.message.connect(self.show_message)
        self.speakers.enqueue = self.jobs.enqueue
        jdock = QDockWidget(self.tr("Jobs"), self)
        jdock.setObjectName("jobsDock")
        jdock.setWidget(self.jobs)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, jdock)
        self.jobs_dock = jdock
        self.qc = QcPanel(self)
        self.qc.segmentActivated.connect(lambda sid: self.select_segments([sid]))
        qdock = QDockWidget(self.tr("QC issues"), self)
        qdock.setObjectName("qcDock")
        qdock.setWidget(self.qc)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, qdock)
        self.qc_dock = qdock
        self.alternatives = AlternativesPanel(self)
        self.alternatives.message.connect(self.show_message)
        adock = QDockWidget(self.tr("Alternative translations"), self)
        adock.setObjectName("tmDock")
        adock.setWidget(self.alternatives)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, adock)
        self.tm_dock = adock
        self.dub_dir: Path | None = None
        self.temp_dirs: list[Path] = []  # playback mixes and clips, removed on close
        self._seg_dir: Path | None = None
        self.asr_box: NoAsrModelBox | None = None
        self.last_segment_dub: SegmentDub | None = None
        self.tmFailed.connect(self.show_message)
        self.legend = ClipLegend(self)
        self.statusBar().addPermanentWidget(self.legend)

        self._peaks = _PeaksLoader(self)
        self._peaks.done.connect(self._peaks_done)
        self._peaks.failed.connect(self._peaks_failed)

        # signals between views
        self.timeline.seekRequested.connect(self._seek)
        self.timeline.selectionChanged.connect(self._timeline_selection)
        self.timeline.editFailed.connect(self.show_message)
        self.player.positionChanged.connect(self._position)
        self.player.errorOccurred.connect(self.show_message)
        self.player.overlayModeChanged.connect(
            lambda _m: self._update_overlay(self.player.position_ms, force=True)
        )
        self.table.selectionModel().selectionChanged.connect(self._table_selection)
        self.timeline.selectionChanged.connect(lambda _ids: self._current_changed())

    # -- header / layout ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if self._type_into_cell(event):
                return True
        return super().eventFilter(watched, event)

    def _type_into_cell(self, event: QKeyEvent) -> bool:
        """A printable key on a row opens the cell's editor with its text kept, the cursor at
        the end and the key typed there (a plain item view would replace the whole text)."""
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        editing = self.table.state() == QAbstractItemView.State.EditingState
        if not text or not text.isprintable() or mods or editing:
            return False
        index = self.table.currentIndex()
        if not index.isValid() or not (index.flags() & Qt.ItemFlag.ItemIsEditable):
            return False
        if not self.table.edit(index, QAbstractItemView.EditTrigger.EditKeyPressed, event):
            return False
        editor = self.table.indexWidget(index) or self.table.focusWidget()
        if isinstance(editor, QLineEdit):
            editor.deselect()
            editor.end(False)
            editor.insert(text)
        return True

    def _setup_header(self) -> None:
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {
            Col.INDEX: 48,
            Col.START: 96,
            Col.END: 96,
            Col.DURATION: 64,
            Col.SPEAKER: 90,
            Col.CPS: 48,
            Col.FIT: 92,
            Col.QC: 110,
            Col.STATUS: 92,
        }
        for col, w in widths.items():
            self.table.setColumnWidth(col, w)
        hh.setSectionResizeMode(Col.SOURCE, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(Col.TRANSLATION, QHeaderView.ResizeMode.Stretch)

    def _restore_window(self) -> None:
        geo = self.settings.get(Pref.WINDOW_GEOMETRY)
        if geo:
            self.restoreGeometry(geo)
        state = self.settings.get(Pref.WINDOW_STATE)
        if state:
            self.restoreState(state)

    # -- messages ------------------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_banner(self, text: str, *, locate: bool = False) -> None:
        """A message above the editor; ``locate``: it is about the video, with a button to
        find it."""
        self.banner.setText(text)
        self.banner.show()
        self.banner_locate.setVisible(locate)
        self.banner_close.show()

    def hide_banner(self) -> None:
        self.banner.hide()
        self.banner_locate.hide()
        self.banner_close.hide()

    def locate_media(self, path: str | None = None) -> bool:
        """Relink the project's video (the window with project operations implements it)."""
        return False

    def _show_empty(self) -> None:
        self.statusBar().showMessage(
            self.tr("Open a project (Ctrl+O) or start a new one from a video (Ctrl+N).")
        )

    def _update_actions(self) -> None:
        """Enable the actions that need a project (the window with menus overrides this)."""

    # -- peaks ---------------------------------------------------------------------------------------
    def _load_peaks(self, path: str) -> None:
        assert self.project is not None
        cached = app_peaks.cached_peaks(self.project)
        if cached is not None:
            self.timeline.set_peaks(cached)
            return
        token = object()
        self._peaks_token = token
        self.show_message(self.tr("Reading the audio waveform…"))
        self._peaks.start(token, path)

    def _peaks_done(self, token: object, peaks: Peaks) -> None:
        if token is not self._peaks_token or self.project is None:
            return
        self.timeline.set_peaks(peaks)
        try:
            app_peaks.store_peaks(self.project, peaks)
        except Exception as exc:  # a read-only project still shows the waveform
            self.show_message(self.tr("Could not cache the waveform: {0}").format(exc))

    def _peaks_failed(self, token: object, message: str) -> None:
        if token is self._peaks_token:
            self.show_message(self.tr("No waveform: {0}").format(message))

    # -- language / filters / find -------------------------------------------------------------------
    def _fill_langs(self) -> None:
        self.lang_box.blockSignals(True)
        self.lang_box.clear()
        if self.project is not None:
            for lang in self.project.meta.target_langs:
                self.lang_box.addItem(lang, lang)
        if self.model is not None and self.model.lang:
            self.lang_box.setCurrentIndex(max(0, self.lang_box.findData(self.model.lang)))
        self.lang_box.blockSignals(False)

    def current_lang(self) -> str | None:
        return self.model.lang if self.model is not None else None

    def _lang_changed(self) -> None:
        if self.model is not None:
            self.model.set_lang(self.lang_box.currentData())
            self.qc.set_lang(self.current_lang())
            self.alternatives.set_lang(self.current_lang())
            self.pane.set_lang(self.current_lang())
            self._filters_changed()
            self._update_overlay(self.player.position_ms, force=True)

    def _fill_speaker_filter(self) -> None:
        current = self.f_speaker.currentData()
        self.f_speaker.blockSignals(True)
        self.f_speaker.clear()
        self.f_speaker.addItem(self.tr("All speakers"), None)
        self.f_speaker.addItem(self.tr("No speaker"), "")
        if self.project is not None:
            for sp in sorted(self.project.state.speakers.values(), key=lambda s: s.name.casefold()):
                self.f_speaker.addItem(sp.name, sp.id)
        i = self.f_speaker.findData(current)
        self.f_speaker.setCurrentIndex(i if i >= 0 else 0)
        self.f_speaker.blockSignals(False)

    def filter_spec(self) -> FilterSpec:
        speaker = self.f_speaker.currentData()
        return FilterSpec(
            needs_review=self.f_review.isChecked(),
            qc_issues=self.f_qc.isChecked(),
            overflow=self.f_overflow.isChecked(),
            speaker_id=None if speaker is None else str(speaker),
            text=self.find_edit.text(),
            field=str(self.find_field.currentData()),
        )

    def _filters_changed(self) -> None:
        keep = self.selected_ids()
        self.proxy.set_spec(self.filter_spec())
        self._select_in_table(keep, scroll=True)

    # -- selection sync ------------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        if self.model is None:
            return []
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.id_at(r) for r in rows]

    def current_id(self) -> str | None:
        ids = self.selected_ids()
        if ids:
            return ids[0]
        tl = self.timeline.selection()
        return tl[0] if tl else None

    def select_segments(self, ids: list[str], *, seek: bool = True) -> None:
        """Select in every view (table, timeline) and move the player to the first one."""
        self._select_in_table(ids, scroll=True)
        self.timeline.set_selection(ids)
        if seek and ids and self.project is not None and ids[0] in self.project.state.segments:
            self._seek(self.project.state.segments[ids[0]].start_ms)

    def _select_in_table(self, ids: list[str], *, scroll: bool) -> None:
        if self.model is None:
            return
        sel = QItemSelection()
        rows = sorted(r for r in (self.proxy.proxy_row_of(s) for s in ids) if r >= 0)
        last_col = self.proxy.columnCount() - 1
        runs: list[list[int]] = []
        for r in rows:
            if runs and r == runs[-1][1] + 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for first, last in runs:
            sel.select(self.proxy.index(first, 0), self.proxy.index(last, last_col))
        self._syncing = True
        try:
            sm = self.table.selectionModel()
            sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if rows:
                sm.setCurrentIndex(
                    self.proxy.index(rows[0], Col.TRANSLATION), QItemSelectionModel.SelectionFlag.NoUpdate
                )
                if scroll:
                    self.table.scrollTo(
                        self.proxy.index(rows[0], 0), QAbstractItemView.ScrollHint.EnsureVisible
                    )
        finally:
            self._syncing = False

    def _current_changed(self) -> None:
        self.alternatives.set_segment(self.current_id())
        self.pane.set_segment(self.current_id())

    def _table_selection(self, *_args: object) -> None:
        self._current_changed()
        if self._syncing:
            return
        ids = self.selected_ids()
        self.timeline.set_selection(ids)
        if len(ids) == 1 and self.project is not None and self.player.paused:
            self._seek(self.project.state.segments[ids[0]].start_ms)

    def _timeline_selection(self, ids: list[str]) -> None:
        self._select_in_table(ids, scroll=True)

    def step_segment(self, delta: int) -> None:
        if self.model is None or self.proxy.rowCount() == 0:
            return
        current = self.selected_ids()
        row = self.proxy.proxy_row_of(current[-1 if delta > 0 else 0]) if current else -1
        if row < 0 and self.project is not None:
            # nothing selected: start from the segment at the playhead
            idx = self.project.state.index_at_time(self.player.position_ms)
            row = (
                self.proxy.proxy_row_of(self.project.state.at(idx).id) - delta
                if len(self.project.state)
                else -1
            )
        row = max(0, min(self.proxy.rowCount() - 1, row + delta))
        self.select_segments([self.proxy.id_at(row)])

    # -- player sync ---------------------------------------------------------------------------------
    def _seek(self, ms: int) -> None:
        self.timeline.set_playhead(ms, follow=True)
        self.player.seek(ms)
        self._update_overlay(ms)

    def _position(self, ms: int) -> None:
        self.timeline.set_playhead(ms)
        self._update_overlay(ms)

    def segment_at(self, ms: int) -> str | None:
        if self.project is None or not len(self.project.state):
            return None
        seg = self.project.state.at(self.project.state.index_at_time(ms))
        return seg.id if seg.start_ms <= ms < seg.end_ms else None

    def _update_overlay(self, ms: int, force: bool = False) -> None:
        sid = self.segment_at(ms)
        text = ""
        if sid is not None and self.project is not None:
            seg = self.project.state.segments[sid]
            if self.player.overlay_mode == "source":
                text = seg.source_text
            elif self.player.overlay_mode == "translation":
                lang = self.current_lang()
                tr = seg.translation(lang) if lang else None
                text = tr.text if tr else ""
        self.player.set_overlay_text(text)

    def cycle_overlay(self) -> None:
        modes = ("off", "source", "translation")
        self.player.set_overlay_mode(modes[(modes.index(self.player.overlay_mode) + 1) % 3])

    # -- edits ---------------------------------------------------------------------------------------
    def _apply(self, make: Callable[[], edits.Edit]) -> bool:
        if self.project is None:
            return False
        try:
            self.project.apply(make())
        except TauraError as exc:
            self.show_message(str(exc))
            return False
        return True

    def undo(self) -> None:
        if self.project is not None and self.project.can_undo:
            before = QApplication.focusWidget()
            change = self.project.undo()
            self._keep_focus(before)
            if change is not None:
                self.show_message(self.tr("Undid: {0}").format(change.description))

    def redo(self) -> None:
        if self.project is not None and self.project.can_redo:
            before = QApplication.focusWidget()
            change = self.project.redo()
            self._keep_focus(before)
            if change is not None:
                self.show_message(self.tr("Redid: {0}").format(change.description))

    def _keep_focus(self, before: QWidget | None) -> None:
        """Rows removed or re-laid out by an undo can pass the focus on to the next widget, often
        a text box, where J/K/L and other one-key shortcuts would then type letters: give it back
        to the table unless the user was already in that box."""
        now = QApplication.focusWidget()
        if now is before:
            return
        if isinstance(now, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)) or now is None:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_change(self, change: Change) -> None:
        self._update_actions()
        if change.kinds & ChangeKind.SPEAKERS:
            self._fill_speaker_filter()
        if change.kinds & ChangeKind.META:
            self._fill_langs()
        if change.kinds & (ChangeKind.TEXT | ChangeKind.TRANSLATION | ChangeKind.TIMES):
            self._update_overlay(self.player.position_ms, force=True)
