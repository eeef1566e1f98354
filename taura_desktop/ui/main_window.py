"""The editor window: video on top, timeline under it, the segment table, side panels.

This module holds the menus, actions and shortcuts; the widgets and shared state are in
:mod:`taura_desktop.ui.window_base`, the operations in :mod:`taura_desktop.ui.window_ops`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QMenu,
)

from taura_desktop.ui.jobs_panel import (
    known_stages,
    pipeline_available,
)
from taura_desktop.ui.preferences import PreferencesDialog
from taura_desktop.ui.settings import Pref, Settings
from taura_desktop.ui.shortcuts import ShortcutsDialog, action_id, apply_overrides, remember_defaults
from taura_desktop.ui.window_ops import WindowOps


class MainWindow(WindowOps):
    def __init__(self, settings: Settings | None = None, *, player_vo: str | None = None) -> None:
        super().__init__(settings, player_vo=player_vo)
        self._connect_find_bar()
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.timeline.activated.connect(lambda _sid: self.edit_translation())
        self.player.loop_button.toggled.connect(self._loop_toggled)
        self._build_actions()
        self._apply_shortcuts()
        self._update_actions()
        self._restore_window()
        self._show_empty()

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
        self.a_project_settings = self._act(f, self.tr("Project &settings…"), self.project_settings)
        self.a_locate = self._act(f, self.tr("&Locate video…"), lambda: self.locate_media())
        self.a_import_subs = self._act(
            f, self.tr("&Import subtitles as source…"), lambda: self.import_source_subtitles()
        )
        self.a_export = self._act(f, self.tr("&Export…"), self.export_dialog, "Ctrl+E")
        self.a_models = self._act(f, self.tr("&Models…"), self.model_manager)
        f.addSeparator()
        self.a_quit = self._act(f, self.tr("&Quit"), self.close, SK.Quit)
        self.a_quit.setMenuRole(QAction.MenuRole.QuitRole)

        e = mb.addMenu(self.tr("&Edit"))
        self.a_undo = self._act(e, self.tr("&Undo"), self.undo, SK.Undo)
        self.a_redo = self._act(e, self.tr("&Redo"), self.redo, SK.Redo)
        redo_keys = {k.toString(): k for k in [*QKeySequence.keyBindings(SK.Redo), QKeySequence("Ctrl+Y")]}
        self.a_redo.setShortcuts(list(redo_keys.values()))
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
        self.a_edit_pane = self._act(
            s,
            self.tr("Edit in the segment &pane"),
            self.edit_in_pane,
            "Ctrl+Shift+E",
            self.tr("Multi-line editing with line counts, CPS and QC as you type (Shift+Enter: new line)"),
        )
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
        self.a_revoice = self._act(
            s, self.tr("Re-&voice"), lambda: self.run_on_selection("voice"), "Ctrl+R"
        )

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
        self._act(
            p, self.tr("Play backward, smoothly (J; again: faster)"), lambda: self.player.shuttle("j"), "J"
        )
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
        v.addAction(self.pane_toggle)

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
            self.a_edit_pane,
            self.a_project_settings,
            self.a_locate,
            self.a_import_subs,
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

    def preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.save()
            self.timeline.snap_px = int(self.settings.get(Pref.SNAP_PX))
            self.timeline.min_gap_ms = int(self.settings.get(Pref.MIN_GAP_MS))
            self.timeline.set_follow(bool(self.settings.get(Pref.FOLLOW_PLAYHEAD)))
            self.jobs.set_low_priority(bool(self.settings.get(Pref.LOW_PRIORITY_JOBS)))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set(Pref.WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.set(Pref.WINDOW_STATE, self.saveState())
        self.close_project()
        self.player.close_player()
        self.speakers.close_audio()
        super().closeEvent(event)

    def _table_menu(self, pos: QPoint) -> None:
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

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)

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
