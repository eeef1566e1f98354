"""Typed messages between the caller and a worker process (pickled dataclasses, never
parsed strings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a worker runs: ``work(payload, emit, cancelled)`` (a module-level function, sent by
    reference) for the stage named ``stage``; ``payload`` is its plain data."""

    stage: str
    payload: Any
    work: Callable[..., dict[str, Any]] | None = None


# -- worker -> caller ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProgressMsg:
    done: int
    total: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class ResultMsg:
    """One unit of finished work (one segment, one batch); applied by the caller."""

    item: Any


@dataclass(frozen=True, slots=True)
class WarningMsg:
    message: str


@dataclass(frozen=True, slots=True)
class DoneMsg:
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorMsg:
    error_type: str  # class name of the TauraError (or "internal")
    message: str
    exit_code: int
    traceback: str = ""


WorkerMsg = ProgressMsg | ResultMsg | WarningMsg | DoneMsg | ErrorMsg


# -- what callers see --------------------------------------------------------------------------
EventKind = Literal["progress", "warning", "finished", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class JobEvent:
    kind: EventKind
    stage: str
    done: int = 0
    total: int = 0
    message: str = ""
    exit_code: int = 0
