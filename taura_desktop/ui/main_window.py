"""The editor window: video on top, timeline under it, the segment table, side panels.

Selection is shared by id between the table, the timeline and the player; the project is the
only source of data (the table model and the timeline read it directly and refresh on the
project's change notifications). Every change is an undoable core edit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.pipeline import project_ops
from taura_desktop.ui.export_dialog import ExportDialog
from taura_desktop.ui.jobs_panel import (
    JobsPanel,
    StageRequest,
    known_stages,
    pipeline_available,
    stage_options,
)
from taura_desktop.ui.model_manager import ModelManagerDialog
from taura_desktop.ui.new_project import NewProjectDialog, NewProjectSpec
from taura_desktop.ui.player import Player
from taura_desktop.ui.qc_panel import QcPanel
from taura_desktop.ui.segment_model import (
    Col,
    FilterSpec,
    SegmentFilterProxy,
    SegmentTableModel,
    find_next,
    replace_all,
)
from taura_desktop.ui.settings import Pref, Settings
from taura_desktop.ui.shortcuts import ShortcutsDialog, action_id, apply_overrides, remember_defaults
from taura_desktop.ui.speakers_panel import SpeakersPanel
from taura_desktop.ui.timeline import Timeline
from taura_desktop.ui.tm_panel import AlternativesPanel, approval_rows, remember_approved

PROJECT_FILTER = "Taura projects (*.taura);;All files (*)"
MEDIA_SUFFIXES = {".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mp3", ".wav", ".flac", ".ogg", ".m4a"}


class _PeaksLoader(QObject):
    """Computes waveform peaks off the GUI thread (decoding is slow for long media)."""

    done = Signal(object, object)  # (token, Peaks)
    failed = Signal(object, str)

    def start(self, token: object, path: str) -> None:
        def work() -> None:
            try:
                from taura_desktop.export.mix import prime_loudness_cache
                from taura_desktop.media.peaks import compute_peaks

                self.done.emit(token, compute_peaks(path, project_ops.PEAKS_BUCKET_MS))
                prime_loudness_cache(path)  # so the first export skips its measuring pass
            except Exception as exc:  # MediaError or a missing decoder: no waveform, still usable
                self.failed.emit(token, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

        threading.Thread(target=work, name="peaks", daemon=True).start()


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
        form = QFormLayout(self)
        form.addRow(self.follow)
        form.addRow(self.tr("Snap distance"), self.snap)
        form.addRow(self.tr("Minimum gap between segments"), self.gap)
        form.addRow(self.tr("Theme"), self.theme)
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


class MainWindow(QMainWindow):
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
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vh.hide()
        self._setup_header()

        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
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
        self.replace_button.clicked.connect(self.replace_all)
        for w in (self.f_review, self.f_qc, self.f_overflow):
            w.toggled.connect(self._filters_changed)
        self.f_speaker.currentIndexChanged.connect(self._filters_changed)
        self.find_edit.textChanged.connect(self._filters_changed)
        self.find_edit.returnPressed.connect(self.find_next)
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
        bar.addWidget(self.find_edit, 2)
        bar.addWidget(self.find_field)
        bar.addWidget(self.replace_edit, 1)
        bar.addWidget(self.replace_button)

        table_host = QWidget(self)
        tl = QVBoxLayout(table_host)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addLayout(bar)
        tl.addWidget(self.table, 1)

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
        self.jobs.message.connect(self.show_message)
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
        self.tmFailed.connect(self.show_message)

        self._peaks = _PeaksLoader(self)
        self._peaks.done.connect(self._peaks_done)
        self._peaks.failed.connect(self._peaks_failed)

        # signals between views
        self.timeline.seekRequested.connect(self._seek)
        self.timeline.selectionChanged.connect(self._timeline_selection)
        self.timeline.activated.connect(lambda _sid: self.edit_translation())
        self.timeline.editFailed.connect(self.show_message)
        self.player.positionChanged.connect(self._position)
        self.player.errorOccurred.connect(self.show_message)
        self.player.overlayModeChanged.connect(
            lambda _m: self._update_overlay(self.player.position_ms, force=True)
        )
        self.player.loop_button.toggled.connect(self._loop_toggled)
        self.table.selectionModel().selectionChanged.connect(self._table_selection)
        self.timeline.selectionChanged.connect(lambda _ids: self._current_changed())

        self._build_actions()
        self._apply_shortcuts()
        self._update_actions()
        self._restore_window()
        self._show_empty()

    # -- header / layout ---------------------------------------------------------------------------
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

    # -- actions -------------------------------------------------------------------------------------
    def _act(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, QKeySequence.StandardKey):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        mb = self.menuBar()
        SK = QKeySequence.StandardKey
        f = mb.addMenu(self.tr("&File"))
        self.a_new = self._act(f, self.tr("&New project…"), self.new_project, SK.New)
        self.a_open = self._act(f, self.tr("&Open…"), self.open_dialog, SK.Open)
        self.recent_menu = f.addMenu(self.tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.a_save_as = self._act(
            f,
            self.tr("Save a &copy as…"),
            self.save_as,
            SK.SaveAs,
            self.tr("Every edit is saved as you work; this writes a copy"),
        )
        self.a_close = self._act(f, self.tr("&Close project"), self.close_project, SK.Close)
        f.addSeparator()
        self.a_export = self._act(f, self.tr("&Export…"), self.export_dialog, "Ctrl+E")
        self.a_models = self._act(f, self.tr("&Models…"), self.model_manager)
        f.addSeparator()
        self.a_quit = self._act(f, self.tr("&Quit"), self.close, SK.Quit)
        self.a_quit.setMenuRole(QAction.MenuRole.QuitRole)

        e = mb.addMenu(self.tr("&Edit"))
        self.a_undo = self._act(e, self.tr("&Undo"), self.undo, SK.Undo)
        self.a_redo = self._act(e, self.tr("&Redo"), self.redo, SK.Redo)
        e.addSeparator()
        self.a_find = self._act(e, self.tr("&Find…"), self.focus_find, SK.Find)
        self.a_find_next = self._act(e, self.tr("Find &next"), self.find_next, SK.FindNext)
        self.a_replace = self._act(e, self.tr("R&eplace…"), self.focus_replace, SK.Replace)
        e.addSeparator()
        self.a_prefs = self._act(e, self.tr("&Preferences…"), self.preferences, SK.Preferences)
        self.a_prefs.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.a_shortcuts = self._act(e, self.tr("&Keyboard shortcuts…"), self.edit_shortcuts)

        s = mb.addMenu(self.tr("&Segment"))
        self.a_next = self._act(s, self.tr("&Next segment"), lambda: self.step_segment(1), "Alt+Down")
        self.a_prev = self._act(s, self.tr("&Previous segment"), lambda: self.step_segment(-1), "Alt+Up")
        self.a_edit_tr = self._act(s, self.tr("Edit &translation"), self.edit_translation, "F2")
        self.a_edit_src = self._act(s, self.tr("Edit &source"), self.edit_source, "Shift+F2")
        self.a_approve = self._act(s, self.tr("&Approve and go to next"), self.approve, "Ctrl+Return")
        self.a_review = self._act(s, self.tr("&Mark for review"), self.mark_review, "Ctrl+Shift+Return")
        s.addSeparator()
        self.a_split = self._act(s, self.tr("Sp&lit at playhead"), self.timeline.split_at_playhead, "Ctrl+K")
        self.a_merge = self._act(s, self.tr("Merge with ne&xt"), self.timeline.merge_with_next, "Ctrl+J")
        self.a_delete = self._act(s, self.tr("&Delete segments"), self.delete_selected, "Ctrl+Delete")
        self.speaker_menu = s.addMenu(self.tr("Assign spea&ker"))
        self.speaker_menu.aboutToShow.connect(self._fill_speakers_menu)
        s.addSeparator()
        self.a_retranscribe = self._act(
            s, self.tr("Re-&transcribe range"), lambda: self.run_on_selection("transcribe")
        )
        self.a_retranslate = self._act(
            s, self.tr("Re-t&ranslate"), lambda: self.run_on_selection("translate")
        )
        self.a_revoice = self._act(s, self.tr("Re-&voice"), lambda: self.run_on_selection("voice"))

        p = mb.addMenu(self.tr("&Playback"))
        self.a_play = self._act(p, self.tr("&Play / pause"), self.player.toggle_pause, "Space")
        self.a_play_seg = self._act(
            p, self.tr("Play &segment (original)"), lambda: self.play_segment("original"), "P"
        )
        self.a_play_dub = self._act(
            p, self.tr("Play segment (&dub)"), lambda: self.play_segment("dub"), "Shift+P"
        )
        self.a_loop = self._act(p, self.tr("&Loop segment"), self.toggle_loop, "Ctrl+L")
        self.a_render_dub = self._act(
            p,
            self.tr("&Render dub for playback"),
            self.render_dub,
            "Ctrl+Shift+D",
            self.tr("Mix the current language's dub (in a worker) so Play dub can use it"),
        )
        p.addSeparator()
        self._act(p, self.tr("Shuttle back (J)"), lambda: self.player.shuttle("j"), "J")
        self._act(p, self.tr("Stop (K)"), lambda: self.player.shuttle("k"), "K")
        self._act(p, self.tr("Shuttle forward (L)"), lambda: self.player.shuttle("l"), "L")
        self._act(p, self.tr("Frame back"), lambda: self.player.frame_step(False), ",")
        self._act(p, self.tr("Frame forward"), lambda: self.player.frame_step(True), ".")
        p.addSeparator()
        self._act(p, self.tr("Cycle text overlay"), self.cycle_overlay, "T")

        v = mb.addMenu(self.tr("&View"))
        self._act(v, self.tr("Zoom &in"), lambda: self.timeline.zoom(1.5), SK.ZoomIn)
        self._act(v, self.tr("Zoom &out"), lambda: self.timeline.zoom(1 / 1.5), SK.ZoomOut)
        self._act(v, self.tr("&Fit timeline"), self.timeline.zoom_to_fit, "Ctrl+0")
        v.addSeparator()
        v.addAction(self.speakers_dock.toggleViewAction())
        v.addAction(self.jobs_dock.toggleViewAction())
        v.addAction(self.qc_dock.toggleViewAction())
        v.addAction(self.tm_dock.toggleViewAction())

        self.project_actions = [
            self.a_save_as,
            self.a_close,
            self.a_find,
            self.a_find_next,
            self.a_replace,
            self.a_next,
            self.a_prev,
            self.a_edit_tr,
            self.a_edit_src,
            self.a_approve,
            self.a_review,
            self.a_split,
            self.a_merge,
            self.a_delete,
            self.a_play_seg,
            self.a_play_dub,
            self.a_loop,
            self.a_export,
            self.a_render_dub,
        ]
        self.stage_actions = {
            "transcribe": self.a_retranscribe,
            "translate": self.a_retranslate,
            "voice": self.a_revoice,
        }

    def _update_actions(self) -> None:
        have = self.project is not None
        for a in self.project_actions:
            a.setEnabled(have)
        p = self.project
        self.a_undo.setEnabled(bool(p and p.can_undo))
        self.a_redo.setEnabled(bool(p and p.can_redo))
        self.a_undo.setText(
            self.tr("&Undo {0}").format(p.undo_text) if p and p.undo_text else self.tr("&Undo")
        )
        self.a_redo.setText(
            self.tr("&Redo {0}").format(p.redo_text) if p and p.redo_text else self.tr("&Redo")
        )
        reason = pipeline_available()
        stages = set(known_stages()) if reason is None else set()
        for name, action in self.stage_actions.items():
            ok = have and name in stages
            action.setEnabled(ok)
            if not ok and reason:
                action.setStatusTip(self.tr("Not available: {0}").format(reason))

    # -- messages ------------------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
        self.banner_close.show()

    def hide_banner(self) -> None:
        self.banner.hide()
        self.banner_close.hide()

    def _show_empty(self) -> None:
        self.statusBar().showMessage(
            self.tr("Open a project (Ctrl+O) or start a new one from a video (Ctrl+N).")
        )

    # -- project lifecycle ---------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open project"), str(self.settings.get(Pref.LAST_DIR)), self.tr(PROJECT_FILTER)
        )
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> bool:
        try:
            project = Project.open(Path(path))
        except TauraError as exc:
            self.show_banner(str(exc))
            self.show_message(str(exc))
            return False
        self.set_project(project)
        if project.recovered is not None:
            self.show_banner(project.recovered.message())
        return True

    def set_project(self, project: Project) -> None:
        self.close_project()
        self.project = project
        self.settings.add_recent(str(project.path))
        self.settings.set(Pref.LAST_DIR, str(project.path.parent))
        self.model = SegmentTableModel(project, parent=self)
        self.model.editFailed.connect(self.show_message)
        self.proxy.setSourceModel(self.model)
        self._setup_header()
        self._unsubscribe = project.subscribe(self._on_change)
        self.timeline.set_project(project)
        self.speakers.set_project(project)
        self.jobs.set_project(project)
        self._fill_langs()
        self.qc.set_lang(self.current_lang())
        self.qc.set_project(project)
        self.alternatives.set_lang(self.current_lang())
        self.alternatives.set_project(project)
        self._fill_speaker_filter()
        media = project.meta.media
        if media is not None and Path(media.path).is_file():
            self.player.load(media.path)
            self._load_peaks(media.path)
        elif media is not None:
            self.show_banner(self.tr("The video of this project was not found: {0}").format(media.path))
        self.timeline.zoom_to_fit()
        self.setWindowTitle(self.tr("{0} — Taura").format(project.meta.name))
        self.setWindowFilePath(str(project.path))
        self._update_actions()
        self.show_message(self.tr("Opened {0}: {1} segments").format(project.path.name, len(project.state)))
        self.projectOpened.emit(str(project.path))

    def close_project(self) -> None:
        if self.project is None:
            return
        self.jobs.set_project(None)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.timeline.set_project(None)
        self.timeline.set_peaks(None)
        self.speakers.set_project(None)
        self.qc.set_project(None)
        self.alternatives.set_project(None)
        self.player.set_dub_audio(None)
        self.dub_dir = None
        self.proxy.setSourceModel(None)  # type: ignore[arg-type]
        if self.model is not None:
            self.model.close()
            self.model.deleteLater()
            self.model = None
        self.player.unload()
        self.project.close()
        self.project = None
        self._peaks_token = None
        self.hide_banner()
        self.setWindowTitle(self.tr("Taura"))
        self._update_actions()
        self.projectClosed.emit()

    def save_as(self) -> None:
        if self.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save a copy as"), str(self.project.path.parent), self.tr(PROJECT_FILTER)
        )
        if not path:
            return
        try:
            self.project.save_as(Path(path))
        except (TauraError, OSError) as exc:
            self.show_banner(str(exc))
            return
        self.show_message(self.tr("Saved a copy to {0}").format(path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)

    def new_project(self, media: str | None = None) -> None:
        dialog = NewProjectDialog(self, media)
        dialog.modelsRequested.connect(lambda name: self.model_manager(name, dialog))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.create_project(dialog.spec())

    def create_project(self, spec: NewProjectSpec) -> bool:
        """Create the project file for ``spec``, open it, and queue the chosen stages."""
        try:
            from taura_desktop.media.probe import fingerprint

            media = fingerprint(spec.media)
            project = Project.create(
                spec.project,
                media=media,
                source_lang=spec.source_lang,
                target_langs=spec.target_langs,
                overwrite=False,
            )
            if spec.mt_engine:
                project.apply(edits.set_setting(project.state, "mt_engine", spec.mt_engine), undoable=False)
            if spec.tts_engine:
                project.apply(edits.set_setting(project.state, "tts_engine", spec.tts_engine), undoable=False)
        except TauraError as exc:
            self.show_banner(str(exc))
            return False
        self.set_project(project)
        self.queue_stages(spec)
        return True

    def queue_stages(self, spec: NewProjectSpec) -> None:
        """Transcribe, translate (all targets) and voice (per target) as chosen in the dialog."""
        try:
            if "transcribe" in spec.stages:
                self.jobs.enqueue(
                    StageRequest(
                        "transcribe",
                        stage_options("transcribe", language=spec.source_lang),
                        self.tr("Transcribe"),
                    )
                )
            if "translate" in spec.stages and spec.target_langs:
                self.jobs.enqueue(
                    StageRequest(
                        "translate",
                        stage_options("translate", langs=spec.target_langs, engine=spec.mt_engine or "auto"),
                        self.tr("Translate"),
                    )
                )
            if "voice" in spec.stages:
                for lang in spec.target_langs:
                    self.jobs.enqueue(
                        StageRequest(
                            "voice",
                            stage_options("voice", lang=lang, engine=spec.tts_engine or None),
                            self.tr("Voice {0}").format(lang),
                        )
                    )
        except (TauraError, ImportError, TypeError) as exc:
            self.show_banner(self.tr("Stages could not be queued: {0}").format(exc))
            return
        if spec.stages:
            self.jobs_dock.show()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if not urls:
            return
        path = urls[0].toLocalFile()
        if path.endswith(".taura"):
            self.open_project(path)
        elif Path(path).suffix.lower() in MEDIA_SUFFIXES:
            QTimer.singleShot(0, lambda: self.new_project(path))

    def preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.save()
            self.timeline.snap_px = int(self.settings.get(Pref.SNAP_PX))
            self.timeline.min_gap_ms = int(self.settings.get(Pref.MIN_GAP_MS))
            self.timeline.set_follow(bool(self.settings.get(Pref.FOLLOW_PLAYHEAD)))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set(Pref.WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.set(Pref.WINDOW_STATE, self.saveState())
        self.close_project()
        self.player.close_player()
        self.speakers.close_audio()
        super().closeEvent(event)

    # -- peaks ---------------------------------------------------------------------------------------
    def _load_peaks(self, path: str) -> None:
        assert self.project is not None
        cached = project_ops.cached_peaks(self.project)
        if cached is not None:
            self.timeline.set_peaks(cached)
            return
        token = object()
        self._peaks_token = token
        self.show_message(self.tr("Reading the audio waveform…"))
        self._peaks.start(token, path)

    def _peaks_done(self, token: object, peaks: Any) -> None:
        if token is not self._peaks_token or self.project is None:
            return
        self.timeline.set_peaks(peaks)
        try:
            project_ops.store_peaks(self.project, peaks)
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

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def focus_replace(self) -> None:
        if not self.find_edit.text():
            self.focus_find()
        else:
            self.replace_edit.setFocus()

    def find_next(self) -> None:
        if self.project is None or self.model is None:
            return
        current = self.selected_ids()
        sid = find_next(
            self.project,
            self.model.ids(),
            self.find_edit.text(),
            lang=self.current_lang(),
            field=str(self.find_field.currentData()),
            after=current[0] if current else None,
        )
        if sid is None:
            self.show_message(self.tr("Not found: {0}").format(self.find_edit.text()))
            return
        self.select_segments([sid])

    def replace_all(self) -> None:
        if self.project is None:
            return
        needle = self.find_edit.text()
        if not needle:
            self.show_message(self.tr("Type the text to find first."))
            return
        field = str(self.find_field.currentData())
        if field == "both":
            field = "translation"
        try:
            edit = replace_all(
                self.project, needle, self.replace_edit.text(), lang=self.current_lang(), field=field
            )
            n = len(edit.segments)
            self.project.apply(edit)
        except TauraError as exc:
            self.show_message(str(exc))
            return
        self.show_message(self.tr("Replaced in {0} segments").format(n))

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

    def play_segment(self, audio: str) -> None:
        sid = self.current_id()
        if sid is None or self.project is None:
            return
        if audio == "dub" and not self.player.has_dub():
            if self.render_dub():
                self.show_message(self.tr("No dub mix yet: rendering it (Play dub again when it is ready)."))
            audio = "original"
        self.player.set_audio_mode(audio)
        seg = self.project.state.segments[sid]
        self.player.play_range(seg.start_ms, seg.end_ms, loop=self.player.loop_button.isChecked())

    def toggle_loop(self) -> None:
        self.player.loop_button.toggle()

    def _loop_toggled(self, on: bool) -> None:
        sid = self.current_id()
        if on and sid is not None and self.project is not None:
            seg = self.project.state.segments[sid]
            self.player.set_loop((seg.start_ms, seg.end_ms))
        else:
            self.player.set_loop(None)

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
            change = self.project.undo()
            if change is not None:
                self.show_message(self.tr("Undid: {0}").format(change.description))

    def redo(self) -> None:
        if self.project is not None and self.project.can_redo:
            change = self.project.redo()
            if change is not None:
                self.show_message(self.tr("Redid: {0}").format(change.description))

    def _on_change(self, change: Change) -> None:
        self._update_actions()
        if change.kinds & ChangeKind.SPEAKERS:
            self._fill_speaker_filter()
        if change.kinds & ChangeKind.META:
            self._fill_langs()
        if change.kinds & (ChangeKind.TEXT | ChangeKind.TRANSLATION | ChangeKind.TIMES):
            self._update_overlay(self.player.position_ms, force=True)

    def _edit_column(self, col: Col) -> None:
        ids = self.selected_ids()
        if not ids:
            self.step_segment(1)
            ids = self.selected_ids()
        if not ids:
            return
        row = self.proxy.proxy_row_of(ids[0])
        index = self.proxy.index(row, col)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def edit_translation(self) -> None:
        if self.current_lang() is None:
            self.show_message(self.tr("This project has no target language."))
            return
        self._edit_column(Col.TRANSLATION)

    def edit_source(self) -> None:
        self._edit_column(Col.SOURCE)

    def _set_status(self, status: Status) -> bool:
        current = self.current_id()
        ids = self.selected_ids() or ([current] if current else [])
        lang = self.current_lang()
        project = self.project
        if not ids or lang is None or project is None:
            return False
        return self._apply(lambda: edits.set_status(project.state, ids, lang, status))

    def approve(self) -> None:
        """Approve the selection and remember it in the translation memory (written off the
        GUI thread), then go to the next segment."""
        current = self.current_id()
        ids = self.selected_ids() or ([current] if current else [])
        lang = self.current_lang()
        if self._set_status(Status.APPROVED):
            if self.project is not None and lang is not None:
                remember_approved(approval_rows(self.project, ids, lang), on_error=self._tm_error)
            self.step_segment(1)

    def _tm_error(self, message: str) -> None:
        # called from the writer thread: the signal is queued to the GUI thread
        self.tmFailed.emit(self.tr("Translation memory: {0}").format(message))

    def mark_review(self) -> None:
        self._set_status(Status.NEEDS_REVIEW)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        project = self.project
        if ids and project is not None:
            self._apply(lambda: edits.remove_segments(project.state, ids))

    def assign_speaker(self, speaker_id: str | None) -> None:
        ids = self.selected_ids()
        project = self.project
        if ids and project is not None:
            self._apply(lambda: edits.set_speaker(project.state, ids, speaker_id))

    def _fill_speakers_menu(self) -> None:
        self.speaker_menu.clear()
        if self.project is None:
            return
        for sp in sorted(self.project.state.speakers.values(), key=lambda s: s.name.casefold()):
            a = self.speaker_menu.addAction(sp.name)
            a.triggered.connect(lambda _c=False, sid=sp.id: self.assign_speaker(sid))
        self.speaker_menu.addSeparator()
        self.speaker_menu.addAction(self.tr("No speaker")).triggered.connect(
            lambda: self.assign_speaker(None)
        )

    def run_on_selection(self, stage: str) -> None:
        """Queue ``stage`` for the selected segments (or their time range for transcription)."""
        project = self.project
        ids = self.selected_ids()
        if project is None or not ids:
            self.show_message(self.tr("Select segments first."))
            return
        segs = [project.state.segments[s] for s in ids]
        lang = self.current_lang()
        try:
            if stage == "transcribe":
                options = stage_options(
                    "transcribe", range_ms=(min(s.start_ms for s in segs), max(s.end_ms for s in segs))
                )
            elif lang is None:
                self.show_message(self.tr("This project has no target language."))
                return
            elif stage == "translate":
                options = stage_options(
                    "translate",
                    langs=(lang,),
                    force=True,
                    segment_ids=tuple(ids),
                    engine=str(project.meta.settings.get("mt_engine", "auto")),
                )
            else:
                options = stage_options("voice", lang=lang, segment_ids=tuple(ids))
        except (TauraError, ImportError, TypeError) as exc:
            self.show_message(str(exc))
            return
        label = {
            "transcribe": self.tr("Re-transcribe"),
            "translate": self.tr("Re-translate"),
            "voice": self.tr("Re-voice"),
        }.get(stage, stage)
        self.jobs.enqueue(StageRequest(stage, options, f"{label} ({len(ids)})"))
        self.jobs_dock.show()

    def _table_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for a in (
            self.a_play_seg,
            self.a_play_dub,
            None,
            self.a_approve,
            self.a_review,
            None,
            self.a_split,
            self.a_merge,
            self.a_delete,
            None,
            self.a_retranscribe,
            self.a_retranslate,
            self.a_revoice,
        ):
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        menu.addMenu(self.speaker_menu)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # -- export, models, dub mix, shortcuts ------------------------------------------------------
    def export_dialog(self) -> ExportDialog | None:
        """Ask what to export and queue the export stage in the jobs panel."""
        if self.project is None:
            return None
        dialog = ExportDialog(self.project, self, lang=None)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_export(dialog.options(), dialog.label())
        return dialog

    def start_export(self, options: Any, label: str = "") -> None:
        if getattr(options, "kind", "") in ("stems", "subtitles"):
            try:
                Path(options.output).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.show_banner(
                    self.tr("{0}: cannot create the folder ({1})").format(options.output, exc.strerror)
                )
                return

        def done(kind: str, summary: dict[str, Any]) -> None:
            if kind == "finished":
                outs = summary.get("outputs", [])
                text = self.tr("Exported {0} files to {1}").format(len(outs), options.output)
                self.show_message(text, 15000)
                for problem in summary.get("problems", []):
                    self.jobs.log.addItem(str(problem))
            elif summary.get("error"):
                self.show_banner(str(summary["error"]))

        self.jobs.enqueue(StageRequest("export", options, label or self.tr("Export"), {"on_finished": done}))
        self.jobs_dock.show()

    def model_manager(self, focus: str | None = None, parent: QWidget | None = None) -> ModelManagerDialog:
        dialog = ModelManagerDialog(parent or self, focus=focus)
        dialog.setModal(True)
        dialog.open()
        return dialog

    def render_dub(self) -> bool:
        """Mix the current language's dub (export stage, kind stems, in the worker) and load
        the mix into the player when it is ready."""
        project, lang = self.project, self.current_lang()
        if project is None or lang is None:
            self.show_message(self.tr("This project has no target language."))
            return False
        if self.jobs.has_pending("dub_render"):
            return True  # already on its way
        import tempfile

        out = Path(tempfile.mkdtemp(prefix=f"taura-dub-{lang}-"))
        options = stage_options(
            "export", kind="stems", output=str(out), langs=(lang,), mix="duck", loudness="web"
        )

        def done(kind: str, summary: dict[str, Any]) -> None:
            if kind != "finished" or self.project is not project:
                if summary.get("error"):
                    self.show_message(self.tr("Dub mix failed: {0}").format(summary["error"]))
                return
            mixes = [p for p in summary.get("outputs", []) if Path(p).name.startswith("mix_")]
            if not mixes:
                self.show_message(self.tr("The dub mix produced no audio."))
                return
            self.dub_dir = out
            self.player.set_dub_audio(mixes[0])
            self.show_message(self.tr("Dub mix ready: Shift+P plays the dub."))

        self.jobs.enqueue(
            StageRequest("export", options, self.tr("Dub mix {0}").format(lang),
                         {"on_finished": done, "dub_render": True})
        )
        self.jobs_dock.show()
        return True

    def shortcut_actions(self) -> list[QAction]:
        return [a for a in self.actions() if a.objectName()]

    def _apply_shortcuts(self) -> None:
        for name, value in vars(self).items():
            if name.startswith("a_") and isinstance(value, QAction):
                value.setObjectName(name[2:])
        for a in self.actions():
            if not a.objectName() and a.text():
                a.setObjectName(action_id(a.text()))
        remember_defaults(self.shortcut_actions())
        apply_overrides(self.shortcut_actions(), self.settings.shortcut_overrides())

    def edit_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.shortcut_actions(), self.settings, self)
        dialog.accepted.connect(dialog.save)
        dialog.open()
        return dialog
