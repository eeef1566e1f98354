"""Preferences: QSettings behind a typed key enum (tests give QSettings a random org/app)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from PySide6.QtCore import QSettings


class Pref(Enum):
    """Each key with its default value; the default's type is the stored type."""

    RECENT_PROJECTS = ("recent/projects", list[str]())
    LAST_DIR = ("recent/last_dir", "")
    WINDOW_GEOMETRY = ("window/geometry", b"")
    WINDOW_STATE = ("window/state", b"")
    OVERLAY = ("player/overlay", "translation")  # off | source | translation
    PLAYBACK_SPEED = ("player/speed", 1.0)
    FOLLOW_PLAYHEAD = ("timeline/follow", True)
    SNAP_PX = ("timeline/snap_px", 8)
    MIN_GAP_MS = ("timing/min_gap_ms", 84)
    THEME = ("ui/theme", "system")  # system | light | dark
    LOW_PRIORITY_JOBS = ("jobs/low_priority", True)  # stages run at a lower CPU priority
    SHORTCUTS = ("keys/shortcuts", "{}")  # JSON {action id: "Ctrl+K" | ""} overriding defaults

    @property
    def key(self) -> str:
        return str(self.value[0])

    @property
    def default(self) -> Any:
        return self.value[1]


MAX_RECENT = 10


class Settings:
    """Typed access to the application's QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings()

    def get(self, pref: Pref) -> Any:
        default = pref.default
        raw: Any = self._s.value(pref.key, default)
        if raw is None:
            return default
        if isinstance(default, bool):
            if isinstance(raw, str):
                return raw.lower() in ("1", "true", "yes")
            return bool(raw)
        if isinstance(default, int):
            try:
                return int(raw)
            except (TypeError, ValueError):
                return default
        if isinstance(default, float):
            try:
                return float(raw)
            except (TypeError, ValueError):
                return default
        if isinstance(default, list):
            if isinstance(raw, str):
                return [raw] if raw else []
            return [str(x) for x in raw] if isinstance(raw, (list, tuple)) else default
        if isinstance(default, bytes):
            return bytes(raw) if raw else b""
        return str(raw)

    def set(self, pref: Pref, value: Any) -> None:
        self._s.setValue(pref.key, value)

    def sync(self) -> None:
        self._s.sync()

    def shortcut_overrides(self) -> dict[str, str]:
        """User shortcuts by action id ("" = no shortcut); unreadable data counts as none."""
        try:
            data = json.loads(str(self.get(Pref.SHORTCUTS)) or "{}")
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def set_shortcut_overrides(self, overrides: dict[str, str]) -> None:
        self.set(Pref.SHORTCUTS, json.dumps(dict(sorted(overrides.items()))))

    def recent_projects(self) -> list[str]:
        return list(self.get(Pref.RECENT_PROJECTS))

    def add_recent(self, path: str) -> list[str]:
        items = [p for p in self.recent_projects() if p != path]
        items.insert(0, path)
        del items[MAX_RECENT:]
        self.set(Pref.RECENT_PROJECTS, items)
        return items
