"""Errors that cross layer boundaries, each with the CLI exit code it maps to.

Every error message is one line that names the file (or thing) and the problem, so the
CLI can print it as-is and the editor can show it in a status bar or dialog.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    BAD_INPUT = 3
    ENGINE_UNAVAILABLE = 4
    CANCELLED = 130


class TauraError(Exception):
    """Base of all expected errors. ``str(err)`` is a single user-facing line."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(TauraError):
    exit_code = ExitCode.USAGE


class BadInputError(TauraError):
    """Input the user gave us is unusable (media, subtitles, project, config)."""

    exit_code = ExitCode.BAD_INPUT


class MediaError(BadInputError):
    """A media file is missing, empty, corrupt, unreadable or lacks a needed stream."""


class SubtitleError(BadInputError):
    """A subtitle file cannot be read or written."""


class ProjectError(BadInputError):
    """A project file cannot be opened (corrupt, newer schema, not a project)."""


class ProjectBusyError(ProjectError):
    """Another process is changing the project (the message names it)."""


class ReadOnlyProjectError(ProjectError):
    """The project can be read but not changed (read-only file or file system)."""


class EngineUnavailableError(TauraError):
    """A model or engine is not installed / not usable; the message says how to get it."""

    exit_code = ExitCode.ENGINE_UNAVAILABLE


class MissingResourceError(EngineUnavailableError):
    """A file that ships inside the package (``taura_desktop/resources``) is missing: a broken
    installation. The message names the file and says to reinstall."""


class CancelledError(TauraError):
    exit_code = ExitCode.CANCELLED

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first non-empty line of ``exc`` (its type name when it has no text), at most
    ``limit`` characters: how a foreign exception becomes part of a one-line error."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return type(exc).__name__
