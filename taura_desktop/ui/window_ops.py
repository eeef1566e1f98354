"""The editor window's operations: project lifecycle, edits on the selection, jobs (stages,
export, dub mix) and the waveform loader. Menus and shortcuts live in ``main_window``."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMessageBox,
    QWidget,
)

from taura_desktop.app import projects as app_projects
from taura_desktop.app import review
from taura_desktop.app.projects import new_project as create_project_file
from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.pipeline.deliver import VOICED_KINDS, ExportOptions
from taura_desktop.pipeline.segment_dub import render_segment_dub
from taura_desktop.pipeline.stale import ClipState, clip_state, describe, stale_report
from taura_desktop.ui.export_dialog import ExportDialog
from taura_desktop.ui.jobs_panel import (
    OnFinished,
    StageRequest,
    stage_options,
)
from taura_desktop.ui.model_manager import ModelManagerDialog
from taura_desktop.ui.new_project import NewProjectDialog, NewProjectSpec
from taura_desktop.ui.project_dialogs import NoAsrModelBox, ProjectSettingsDialog, asr_model_problem
from taura_desktop.ui.segment_model import (
    Col,
    SegmentTableModel,
)
from taura_desktop.ui.settings import Pref
from taura_desktop.ui.window_find import WindowFind

PROJECT_FILTER = "Taura projects (*.taura);;All files (*)"
MEDIA_SUFFIXES = {".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mp3", ".wav", ".flac", ".ogg", ".m4a"}


class WindowOps(WindowFind):
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
        self.pane.set_lang(self.current_lang())
        self.pane.set_project(project)
        self._fill_speaker_filter()
        self._load_media()
        self.timeline.zoom_to_fit()
        self.setWindowTitle(self.tr("{0} — Taura").format(project.meta.name))
        self.setWindowFilePath(str(project.path))
        self._update_actions()
        self.show_message(self.tr("Opened {0}: {1} segments").format(project.path.name, len(project.state)))
        self.projectOpened.emit(str(project.path))

    def _load_media(self) -> None:
        """The project's video into the player and its waveform, or a banner that says what
        is wrong with it and offers to locate it."""
        assert self.project is not None
        media = self.project.meta.media
        if media is not None and Path(media.path).is_file():
            self.player.load(media.path)
            self._load_peaks(media.path)
            problem = app_projects.media_problem(self.project)  # the file there is another video
            if problem is not None:
                self.show_banner(problem, locate=True)
        elif media is not None:
            self.show_banner(self.tr("The video of this project was not found: {0}").format(media.path),
                             locate=True)

    def locate_media(self, path: str | None = None) -> bool:
        """Point the project at its video where it is now (moved or renamed): ``path``, or
        one the person picks. A file that is not the same video is used only when the person
        says so. True when the project was relinked."""
        if self.project is None:
            return False
        old = self.project.meta.media
        if path is None:
            start = str(Path(old.path).parent) if old is not None else self.settings.get(Pref.LAST_DIR)
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Locate the video"), start)
            if not path:
                return False
        force = False
        while True:
            try:
                why = app_projects.relink(self.project, Path(path), force=force)
                break
            except app_projects.NotTheMediaError as exc:
                if force or QMessageBox.question(
                    self, self.tr("A different video"),
                    self.tr("{0} is not the video this project was made from ({1}).\n\nUse it anyway? "
                            "Timings made for the other video may not fit it.").format(
                        Path(path).name, exc.why),
                ) != QMessageBox.StandardButton.Yes:
                    return False
                force = True
            except TauraError as exc:  # not media, no audio, unreadable: say so, offer to look again
                self.show_banner(str(exc), locate=True)
                return False
        self.hide_banner()
        self.player.unload()
        self.timeline.set_peaks(None)
        self._peaks_token = None
        self._load_media()
        note = self.tr(" (it differs: {0})").format(why) if why else ""
        self.show_message(self.tr("Relinked the project to {0}").format(path) + note)
        return True

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
        self.pane.set_project(None)
        self.player.set_dub_audio(None)
        self.dub_dir = None
        self.remove_temp_dirs()
        self._seg_dir = None
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

    def new_project(self, media: str | None = None) -> None:
        dialog = NewProjectDialog(self, media)
        dialog.modelsRequested.connect(lambda name: self.model_manager(name, dialog))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.create_project(dialog.spec())

    def create_project(self, spec: NewProjectSpec) -> bool:
        """Create the project file for ``spec``, open it, and queue the chosen stages."""
        try:
            project = create_project_file(
                Path(spec.media),
                Path(spec.project),
                source_lang=spec.source_lang,
                targets=spec.target_langs,
                settings={"mt_engine": spec.mt_engine or "", "tts_engine": spec.tts_engine or ""},
            )
        except TauraError as exc:
            self.show_banner(str(exc))
            return False
        self.set_project(project)
        if "transcribe" in spec.stages:
            problem = asr_model_problem(spec.source_lang or None)
            if problem is not None:
                # no silent empty project: offer to install a model or to import subtitles
                rest = replace(spec, stages=tuple(s for s in spec.stages if s != "transcribe"))
                self.offer_asr_choice(problem, rest)
                return True
        self.queue_stages(spec)
        return True

    def offer_asr_choice(self, reason: str, rest: NewProjectSpec) -> NoAsrModelBox:
        """Ask: install a speech model (model manager) or import subtitles (then run ``rest``)."""
        box = NoAsrModelBox(reason, self)

        def chosen() -> None:
            choice = box.choice()
            if choice == "install":
                self.model_manager("whisper/base")
                self.show_message(self.tr("When the model is installed: Segment > Re-transcribe range."))
            elif choice == "import":
                self.import_source_subtitles(rest)

        box.finished.connect(lambda _r: chosen())
        self.asr_box = box
        box.open()
        return box

    def import_source_subtitles(self, then: NewProjectSpec | None = None, path: str | None = None) -> bool:
        """Import a subtitle file as the source segments, then queue ``then``'s stages."""
        project = self.project
        if project is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("Import subtitles"),
                str(project.path.parent),
                self.tr("Subtitles (*.srt *.vtt *.ass *.ssa *.ttml *.xml *.sub *.txt);;All files (*)"),
            )
        if not path:
            return False
        try:
            summary = app_projects.import_subtitles(project, Path(path), lang=project.meta.source_lang)
        except TauraError as exc:
            self.show_banner(str(exc))
            return False
        text = self.tr("Imported {0} segments from {1}")
        self.show_message(text.format(summary.segments_changed, Path(path).name))
        if then is not None:
            self.queue_stages(then)
        return True

    def project_settings(self) -> ProjectSettingsDialog | None:
        if self.project is None:
            return None
        dialog = ProjectSettingsDialog(self.project, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                dialog.apply()
            except TauraError as exc:
                self.show_message(str(exc))
        return dialog

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

    # -- edits ---------------------------------------------------------------------------------------
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

    def edit_in_pane(self) -> None:
        """Put the cursor at the end of the translation box of the current-segment pane."""
        if self.current_id() is None:
            self.step_segment(1)
        self.pane_toggle.setChecked(True)
        box = self.pane.translation if self.current_lang() else self.pane.source
        box.setFocus()
        box.moveCursor(QTextCursor.MoveOperation.End)

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
        self.pane.commit()  # text typed in the segment pane is part of what is approved
        current = self.current_id()
        ids = self.selected_ids() or ([current] if current else [])
        lang = self.current_lang()
        project = self.project
        if not ids or lang is None or project is None:
            return
        try:
            review.approve(
                project, ids, lang,
                remember=lambda rows: review.remember_in_background(rows, on_error=self._tm_error),
            )
        except TauraError as exc:
            self.show_message(str(exc))
            return
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
                engine = project.meta.settings.get("tts_engine")
                options = stage_options(
                    "voice", lang=lang, segment_ids=tuple(ids), engine=str(engine) if engine else None
                )
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

    # -- export, models, dub mix, shortcuts ------------------------------------------------------
    def export_dialog(self) -> ExportDialog | None:
        """Ask what to export and queue the export stage in the jobs panel."""
        if self.project is None:
            return None
        dialog = ExportDialog(self.project, self, lang=None)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_export(dialog.options(), dialog.label())
        return dialog

    def start_export(self, options: ExportOptions, label: str = "") -> None:
        if options.kind in ("stems", "subtitles"):
            try:
                Path(options.output).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.show_banner(
                    self.tr("{0}: cannot create the folder ({1})").format(options.output, exc.strerror)
                )
                return

        if options.kind in VOICED_KINDS:
            self.revoice_stale(options.langs or ())

        def done(kind: str, summary: dict[str, Any]) -> None:
            if kind == "finished":
                outs = summary.get("outputs", [])
                text = self.tr("Exported {0} files to {1}").format(len(outs), options.output)
                self.show_message(text, 15000)
                for problem in summary.get("problems", []):
                    self.jobs.log.addItem(str(problem))
            elif summary.get("error"):
                self.show_banner(str(summary["error"]))

        self.jobs.enqueue(StageRequest("export", options, label or self.tr("Export"), on_finished=done))
        self.jobs_dock.show()

    def revoice_stale(self, langs: tuple[str, ...] | list[str] = ()) -> int:
        """Queue re-voicing of the stale and missing clips of ``langs`` (default: every target
        language); returns how many. Exports and dub mixes call this first, so a master never
        speaks old text."""
        project = self.project
        if project is None:
            return 0
        engine = project.meta.settings.get("tts_engine")
        total = 0
        parts = []
        for lang in langs or project.meta.target_langs:
            report = stale_report(project, lang)
            if not report.to_voice:
                continue
            try:
                opts = stage_options(
                    "voice", lang=lang, segment_ids=report.to_voice, engine=str(engine) if engine else None
                )
            except (TauraError, ImportError, TypeError) as exc:
                self.show_message(str(exc))
                continue
            self.jobs.enqueue(StageRequest("voice", opts, self.tr("Re-voice {0}").format(describe(report))))
            total += len(report.to_voice)
            parts.append(describe(report))
        if total:
            self.show_message(self.tr("Re-voicing first: {0}").format("; ".join(parts)), 15000)
        return total

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
        if self.jobs.dub_render_pending():
            return True  # already on its way
        import tempfile

        self.revoice_stale((lang,))
        out = Path(tempfile.mkdtemp(prefix=f"taura-dub-{lang}-"))
        self.temp_dirs.append(out)
        options = stage_options(
            "export", kind="stems", output=str(out), langs=(lang,), mix="duck", loudness="web"
        )

        def done(kind: str, summary: dict[str, Any]) -> None:
            if kind != "finished" or self.project is not project:
                shutil.rmtree(out, ignore_errors=True)
                if summary.get("error"):
                    self.show_message(self.tr("Dub mix failed: {0}").format(summary["error"]))
                return
            mixes = [p for p in summary.get("outputs", []) if Path(p).name.startswith("mix_")]
            if not mixes:
                self.show_message(self.tr("The dub mix produced no audio."))
                return
            old, self.dub_dir = self.dub_dir, out
            self.player.set_dub_audio(mixes[0])
            if old is not None and old != out:
                shutil.rmtree(old, ignore_errors=True)
            self.show_message(self.tr("Dub mix ready: Shift+P plays the dub."))

        self.jobs.enqueue(
            StageRequest(
                "export",
                options,
                self.tr("Dub mix {0}").format(lang),
                on_finished=done,
                dub_render=True,
            )
        )
        self.jobs_dock.show()
        return True

    def remove_temp_dirs(self) -> None:
        """Delete the temporary dub mixes (about 100 MB each) made for playback."""
        for d in self.temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.temp_dirs.clear()

    def play_segment(self, audio: str) -> None:
        """P: the segment with its original audio; Shift+P: with its dub as it is now (only this
        segment is rendered; a stale or missing clip is re-voiced first, then played). Both
        stop at the segment's end unless Loop is on."""
        sid = self.current_id()
        if sid is None or self.project is None:
            return
        seg = self.project.state.segments[sid]
        loop = self.player.loop_button.isChecked()
        if audio == "dub":
            self.play_segment_dub(sid)
            return
        self.player.set_audio_mode(audio)
        self.player.play_range(seg.start_ms, seg.end_ms, loop=loop)

    def play_segment_dub(self, sid: str) -> bool:
        project, lang = self.project, self.current_lang()
        if project is None or lang is None:
            self.show_message(self.tr("This project has no target language."))
            return False
        seg = project.state.segments.get(sid)
        if seg is None:
            return False
        state = clip_state(project, seg, lang)
        if state is ClipState.NONE:
            self.show_message(self.tr("This segment has no {0} text to voice.").format(lang))
            return False
        if state is not ClipState.CURRENT:

            def then_play(kind: str, _summary: dict[str, Any]) -> None:
                if kind == "finished" and self.project is project and self.current_id() == sid:
                    self.play_segment_dub(sid)

            if self.revoice([sid], on_finished=then_play):
                text = self.tr("Re-voicing this line ({0}); it plays when ready.")
                self.show_message(text.format(state.value))
            return False
        try:
            dub = render_segment_dub(project, sid, lang, self._segment_dir())
        except TauraError as exc:
            self.show_message(str(exc))
            return False
        self.last_segment_dub = dub
        return self.player.play_segment_audio(str(dub.path), dub.start_ms, dub.end_ms)

    def _segment_dir(self) -> Path:
        if self._seg_dir is None or not self._seg_dir.is_dir():
            import tempfile

            self._seg_dir = Path(tempfile.mkdtemp(prefix="taura-line-"))
            self.temp_dirs.append(self._seg_dir)
        return self._seg_dir

    def revoice(self, ids: list[str], on_finished: OnFinished | None = None) -> bool:
        """Queue the voice stage for ``ids`` in the current language (the project's engine)."""
        project, lang = self.project, self.current_lang()
        if project is None or lang is None or not ids:
            return False
        engine = project.meta.settings.get("tts_engine")
        try:
            options = stage_options(
                "voice", lang=lang, segment_ids=tuple(ids), engine=str(engine) if engine else None
            )
        except (TauraError, ImportError, TypeError) as exc:
            self.show_message(str(exc))
            return False
        label = self.tr("Re-voice ({0})").format(len(ids))
        self.jobs.enqueue(StageRequest("voice", options, label, on_finished=on_finished))
        return True

    def toggle_loop(self) -> None:
        self.player.loop_button.toggle()

    def _loop_toggled(self, on: bool) -> None:
        sid = self.current_id()
        if on and sid is not None and self.project is not None:
            seg = self.project.state.segments[sid]
            self.player.set_loop((seg.start_ms, seg.end_ms))
        else:
            self.player.set_loop(None)
