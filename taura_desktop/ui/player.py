"""Video player: libmpv (python-mpv) drawing into a native child widget.

mpv renders into the window id of :class:`VideoSurface` (a native child window), so Qt never
touches the frames. mpv's property callbacks arrive on mpv's own thread; a small QObject bridge
re-emits them as Qt signals, which Qt queues onto the GUI thread.

If libmpv cannot be loaded the player area shows why (and how to install it) and every method
is a harmless no-op, so the editor still opens.
"""

from __future__ import annotations

import contextlib
import locale
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.errors import first_line
from taura_desktop.ui.timefmt import format_ms

INSTALL_HINT = "install libmpv (Debian/Ubuntu: apt install libmpv2; Fedora: dnf install mpv-libs)"
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SHUTTLE = (1.0, 1.5, 2.0, 4.0)
REVERSE_TICK_MS = 80  # J steps back this often (one exact seek per tick: frames stay smooth)


def load_mpv() -> tuple[Any, str | None]:
    """Import python-mpv (QApplication must exist first). Returns ``(module, None)`` or
    ``(None, one-line reason)``."""
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_NUMERIC, "C")  # libmpv refuses to start otherwise
    try:
        import mpv
    except (ImportError, OSError, AttributeError) as exc:
        reason = first_line(exc)
        return None, f"Video playback is unavailable: libmpv could not be loaded ({reason}); {INSTALL_HINT}."
    return mpv, None


def _ass_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("\n", "\\N")


class _Bridge(QObject):
    """Signals emitted from mpv's event thread (queued to the GUI thread by Qt)."""

    time = Signal(float)
    duration = Signal(float)
    paused = Signal(bool)
    loaded = Signal()
    eof = Signal(bool)


class VideoSurface(QWidget):
    """A native child window mpv draws into."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
        self.setPalette(pal)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)


class Player(QWidget):
    """The video area plus a transport bar. Times are milliseconds."""

    positionChanged = Signal(int)
    durationChanged = Signal(int)
    pausedChanged = Signal(bool)
    fileLoaded = Signal()
    overlayModeChanged = Signal(str)
    audioModeChanged = Signal(str)
    errorOccurred = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, vo: str | None = None) -> None:
        super().__init__(parent)
        self._mpv: Any = None
        self._module: Any = None
        self._vo = vo
        self._path: str | None = None
        self._dub_path: str | None = None
        self._audio_mode = "original"
        self._overlay_mode = "translation"
        self._overlay_text = ""
        self._position_ms = 0
        self._duration_ms = 0
        self._paused = True
        self._loop: tuple[int, int] | None = None
        self._stop_at: int | None = None  # pause here (play_range without loop)
        self._segment_track: int | None = None  # the external track of one segment's dub
        self._shuttle = 0
        self._reverse = 0  # J presses: backward scrub speed index (0 = off)
        self._reverse_pos: int | None = None
        self._reverse_timer = QTimer(self)
        self._reverse_timer.setInterval(REVERSE_TICK_MS)
        self._reverse_timer.timeout.connect(self._reverse_step)
        self._bridge = _Bridge()
        self._bridge.time.connect(self._on_time)
        self._bridge.duration.connect(self._on_duration)
        self._bridge.paused.connect(self._on_paused)
        self._bridge.loaded.connect(self._on_loaded)

        self.surface = VideoSurface(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("playerMessage")
        self._stack_host = QWidget(self)
        self._stack = QStackedLayout(self._stack_host)
        self._stack.addWidget(self.surface)
        self._stack.addWidget(self.message)

        self.play_button = QToolButton(self)
        self.play_button.setText(self.tr("Play"))
        self.play_button.setToolTip(self.tr("Play / pause (Space)"))
        self.play_button.clicked.connect(self.toggle_pause)
        self.time_label = QLabel(format_ms(0) + " / " + format_ms(0), self)
        self.speed_box = QComboBox(self)
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip(self.tr("Playback speed"))
        self.speed_box.currentIndexChanged.connect(
            lambda _i: self.set_speed(float(self.speed_box.currentData()))
        )
        self.overlay_box = QComboBox(self)
        self.overlay_box.addItem(self.tr("No text"), "off")
        self.overlay_box.addItem(self.tr("Source text"), "source")
        self.overlay_box.addItem(self.tr("Translation"), "translation")
        self.overlay_box.setCurrentIndex(2)
        self.overlay_box.setToolTip(self.tr("Text shown over the video"))
        self.overlay_box.currentIndexChanged.connect(
            lambda _i: self.set_overlay_mode(str(self.overlay_box.currentData()))
        )
        self.audio_box = QComboBox(self)
        self.audio_box.addItem(self.tr("Original audio"), "original")
        self.audio_box.addItem(self.tr("Dub"), "dub")
        self.audio_box.setToolTip(self.tr("Audio to hear"))
        self.audio_box.currentIndexChanged.connect(
            lambda _i: self.set_audio_mode(str(self.audio_box.currentData()))
        )
        self.loop_button = QToolButton(self)
        self.loop_button.setText(self.tr("Loop"))
        self.loop_button.setCheckable(True)
        self.loop_button.setToolTip(self.tr("Loop the current segment"))

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.play_button)
        bar.addWidget(self.time_label)
        bar.addStretch(1)
        bar.addWidget(self.loop_button)
        bar.addWidget(self.overlay_box)
        bar.addWidget(self.audio_box)
        bar.addWidget(self.speed_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._stack_host, 1)
        layout.addLayout(bar)
        self._unavailable: str | None = None
        self._module, self._unavailable = load_mpv()
        if self._unavailable:
            self._show_message(self._unavailable)
        else:
            self._show_message(self.tr("No video loaded."))

    # -- state -----------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self._unavailable is None

    @property
    def unavailable_reason(self) -> str | None:
        return self._unavailable

    @property
    def mpv(self) -> Any:
        return self._mpv

    @property
    def position_ms(self) -> int:
        return self._position_ms

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def overlay_mode(self) -> str:
        return self._overlay_mode

    @property
    def audio_mode(self) -> str:
        return self._audio_mode

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def _default_vo(self) -> tuple[str, str | None]:
        env = os.environ.get("TAURA_MPV_VO")
        if self._vo:
            return self._vo, None
        if env:
            return env, None
        platform = QGuiApplication.platformName()
        if platform in ("offscreen", "minimal"):
            return "null", "null"  # nothing to draw on; decoding, seeking and screenshots still work
        return "gpu,x11", None

    def _ensure_mpv(self) -> bool:
        if self._mpv is not None:
            return True
        if self._module is None:
            return False
        vo, ao = self._default_vo()
        opts: dict[str, Any] = {
            "vo": vo,
            "keep_open": "yes",
            "hwdec": "auto-safe",
            "osc": "no",
            "input_default_bindings": "no",
            "input_vo_keyboard": "no",
            "idle": "yes",
            "hr_seek": "yes",
            "gpu_sw": "yes",
            # the editor draws the segment text itself: never auto-load a subtitle file that
            # sits beside the video (it would show the stale text over ours)
            "sub_auto": "no",
        }
        ao = os.environ.get("TAURA_MPV_AO") or ao
        if ao:
            opts["ao"] = ao
        if vo != "null":
            self._stack.setCurrentWidget(self.surface)
            opts["wid"] = str(int(self.surface.winId()))
        try:
            self._mpv = self._module.MPV(**opts)
        except Exception as exc:  # libmpv present but unusable (no display, bad option)
            self._unavailable = (
                f"Video playback is unavailable: mpv could not start ({first_line(exc)})."
            )
            self._show_message(self._unavailable)
            self.errorOccurred.emit(self._unavailable)
            return False
        b = self._bridge
        self._mpv.observe_property("time-pos", lambda _n, v: b.time.emit(float(v)) if v is not None else None)
        self._mpv.observe_property(
            "duration", lambda _n, v: b.duration.emit(float(v)) if v is not None else None
        )
        self._mpv.observe_property("pause", lambda _n, v: b.paused.emit(bool(v)))
        self._mpv.observe_property("eof-reached", lambda _n, v: b.eof.emit(bool(v)))
        self._mpv.event_callback("file-loaded")(lambda _e: b.loaded.emit())
        return True

    # -- loading ---------------------------------------------------------------------------------
    def load(self, path: str | Path) -> bool:
        self._path = str(path)
        self._dub_path = None
        if not Path(path).is_file():
            self._show_message(self.tr("Media file not found: {0}").format(path))
            return False
        if not self._ensure_mpv():
            return False
        self._stack.setCurrentWidget(self.surface)
        self._mpv.pause = True
        self._mpv.loadfile(str(path))
        return True

    def unload(self) -> None:
        if self._mpv is not None:
            self._mpv.command("stop")
        self._path = None
        self._show_message(self.tr("No video loaded."))

    def close_player(self) -> None:
        if self._mpv is not None:
            try:
                self._mpv.terminate()
            finally:
                self._mpv = None

    def _on_loaded(self) -> None:
        if self._dub_path and self._mpv is not None:
            self._add_dub(self._dub_path)
        self._apply_overlay()
        self.fileLoaded.emit()

    def _on_time(self, seconds: float) -> None:
        ms = round(seconds * 1000)
        self._position_ms = ms
        self.time_label.setText(f"{format_ms(ms)} / {format_ms(self._duration_ms)}")
        if self._loop is not None and not self._paused and ms >= self._loop[1]:
            self.seek(self._loop[0])
        elif self._stop_at is not None and not self._paused and ms >= self._stop_at:
            end, self._stop_at = self._stop_at, None
            self.pause()
            self.seek(end)  # rest exactly on the segment's end, however late this tick came
        self.positionChanged.emit(ms)

    def _on_duration(self, seconds: float) -> None:
        self._duration_ms = round(seconds * 1000)
        self.durationChanged.emit(self._duration_ms)

    def _on_paused(self, paused: bool) -> None:
        self._paused = paused
        self.play_button.setText(self.tr("Play") if paused else self.tr("Pause"))
        self.pausedChanged.emit(paused)

    # -- transport -------------------------------------------------------------------------------
    def play(self) -> None:
        self.stop_reverse()
        if self._mpv is not None:
            self._mpv.pause = False

    def pause(self) -> None:
        if self._mpv is not None:
            self._mpv.pause = True
        self._shuttle = 0

    def toggle_pause(self) -> None:
        if self.reversing:
            self.stop_reverse()
            return
        if self._mpv is not None:
            if self._paused:
                self.set_speed(float(self.speed_box.currentData()))
            self._mpv.pause = not self._paused

    def seek(self, ms: int, *, exact: bool = True) -> None:
        self._position_ms = max(0, int(ms))
        if self._mpv is not None and self._path:
            try:
                self._mpv.seek(max(0.0, ms / 1000.0), "absolute", "exact" if exact else "keyframes")
            except Exception as exc:  # seeking before the file is loaded
                self.errorOccurred.emit(f"seek failed: {exc}")

    def set_speed(self, speed: float) -> None:
        if self._mpv is not None:
            self._mpv.speed = float(speed)

    def frame_step(self, forward: bool = True) -> None:
        if self._mpv is not None:
            self._mpv.command("frame-step" if forward else "frame-back-step")

    def shuttle(self, key: str) -> None:
        """J/K/L. J steps back smoothly: the picture runs backward in small exact steps (1x,
        then 2x and 4x on further presses), sound paused, until K, L, Space or a seek.
        K pauses; L plays forward and speeds up per press."""
        if self._mpv is None:
            return
        if key == "k":
            self.stop_reverse()
            self.pause()
        elif key == "l":
            self.stop_reverse()
            self._shuttle = min(self._shuttle + 1, len(SHUTTLE)) if not self._paused else 1
            self.set_speed(SHUTTLE[self._shuttle - 1])
            self._mpv.pause = False
        elif key == "j":
            self._shuttle = 0
            self.set_speed(float(self.speed_box.currentData()))
            self._mpv.pause = True
            self._reverse = min(self._reverse + 1, 3)
            self._reverse_timer.start()

    @property
    def reversing(self) -> bool:
        return self._reverse_timer.isActive()

    def stop_reverse(self) -> None:
        self._reverse = 0
        self._reverse_pos = None
        self._reverse_timer.stop()

    def _reverse_step(self) -> None:
        if self._mpv is None or self._position_ms <= 0:
            self.stop_reverse()
            return
        step = REVERSE_TICK_MS * (1, 2, 4)[self._reverse - 1]
        # from the last step's target, not from mpv's (possibly late) position reports
        base = self._reverse_pos if self._reverse_pos is not None else self._position_ms
        target = max(0, base - step)
        self._reverse_pos = target
        self.seek(target)
        self.positionChanged.emit(target)

    def play_range(self, start_ms: int, end_ms: int, *, loop: bool = False) -> None:
        """Play ``[start, end)``; loops while ``loop``, else pauses at the end."""
        self._loop = (start_ms, end_ms) if loop else None
        self.stop_reverse()
        if self._mpv is None:
            return
        self.seek(start_ms)
        self._mpv["ab-loop-a"] = start_ms / 1000.0 if loop else "no"
        self._mpv["ab-loop-b"] = end_ms / 1000.0 if loop else "no"
        self._stop_at = None if loop else end_ms
        self._mpv.pause = False

    @property
    def stop_at(self) -> int | None:
        """Where playback pauses by itself (the end of the segment being played), if anywhere."""
        return self._stop_at

    def set_loop(self, span: tuple[int, int] | None) -> None:
        self._loop = span
        self.loop_button.setChecked(span is not None)
        if self._mpv is not None:
            self._mpv["ab-loop-a"] = span[0] / 1000.0 if span else "no"
            self._mpv["ab-loop-b"] = span[1] / 1000.0 if span else "no"

    # -- text overlay ----------------------------------------------------------------------------
    def set_overlay_mode(self, mode: str) -> None:
        if mode not in ("off", "source", "translation"):
            raise ValueError(f"unknown overlay mode {mode!r}")
        self._overlay_mode = mode
        i = self.overlay_box.findData(mode)
        if i >= 0 and i != self.overlay_box.currentIndex():
            self.overlay_box.setCurrentIndex(i)
        self.overlayModeChanged.emit(mode)

    def set_overlay_text(self, text: str) -> None:
        if text == self._overlay_text:
            return
        self._overlay_text = text
        self._apply_overlay()

    @property
    def overlay_text(self) -> str:
        return self._overlay_text

    def _apply_overlay(self) -> None:
        if self._mpv is None:
            return
        text = self._overlay_text if self._overlay_mode != "off" else ""
        data = "{\\an2\\fs42\\bord2.5\\shad0}" + _ass_escape(text) if text else ""
        try:
            self._mpv.command(
                "osd-overlay",
                id=1,
                format="ass-events" if text else "none",
                data=data,
                res_x=0,
                res_y=720,
                z=0,
                hidden=False,
            )
        except Exception as exc:
            self.errorOccurred.emit(f"overlay failed: {exc}")

    # -- audio -----------------------------------------------------------------------------------
    def set_dub_audio(self, path: str | None) -> None:
        """An external audio file (the dub mix) to switch to with :meth:`set_audio_mode`."""
        self._dub_path = path
        if path and self._mpv is not None and self._path:
            self._add_dub(path)

    def _add_dub(self, path: str) -> None:
        try:
            self._mpv.command("audio-add", path, "auto", "dub")
        except Exception as exc:
            self.errorOccurred.emit(f"cannot load the dub audio {path}: {exc}")
            return
        self.set_audio_mode(self._audio_mode)

    def _dub_track(self) -> int | None:
        if self._mpv is None:
            return None
        for track in self._mpv.track_list or []:
            if (
                track.get("type") == "audio"
                and track.get("external")
                and int(track["id"]) != self._segment_track
            ):
                return int(track["id"])
        return None

    def _original_track(self) -> int | None:
        if self._mpv is None:
            return None
        for track in self._mpv.track_list or []:
            if track.get("type") == "audio" and not track.get("external"):
                return int(track["id"])
        return None

    def play_segment_audio(self, path: str, start_ms: int, end_ms: int) -> bool:
        """Play ``[start, end)`` with ``path`` (audio that begins at ``start_ms``) as the sound:
        one segment's dub, rendered on its own. The previous segment track is removed."""
        if self._mpv is None or not self._path:
            return False
        try:
            if self._segment_track is not None:
                with contextlib.suppress(Exception):  # already gone with a reload
                    self._mpv.command("audio-remove", self._segment_track)
                self._segment_track = None
            self._mpv.command("audio-add", path, "select", "segment dub")
            tracks = [
                t for t in (self._mpv.track_list or [])
                if t.get("type") == "audio" and t.get("external-filename") == path
            ]
            if tracks:
                self._segment_track = int(tracks[-1]["id"])
                self._mpv.aid = self._segment_track
            self._mpv["audio-delay"] = start_ms / 1000.0
        except Exception as exc:  # libmpv refused the file
            self.errorOccurred.emit(f"cannot play the segment dub {path}: {exc}")
            return False
        self._audio_mode = "dub"
        self.play_range(start_ms, end_ms)
        return True

    @property
    def segment_track(self) -> int | None:
        return self._segment_track

    def set_audio_mode(self, mode: str) -> None:
        if mode not in ("original", "dub"):
            raise ValueError(f"unknown audio mode {mode!r}")
        if self._mpv is not None:
            with contextlib.suppress(Exception):
                self._mpv["audio-delay"] = 0.0  # only a segment track is offset
        self._audio_mode = mode
        i = self.audio_box.findData(mode)
        if i >= 0 and i != self.audio_box.currentIndex():
            self.audio_box.setCurrentIndex(i)
        track = self._dub_track() if mode == "dub" else self._original_track()
        if self._mpv is not None and track is not None:
            self._mpv.aid = track
        self.audioModeChanged.emit(mode)

    def screenshot(self) -> Any:
        """The current frame as a PIL image (mpv's ``screenshot-raw``), or None."""
        if self._mpv is None:
            return None
        return self._mpv.screenshot_raw()
