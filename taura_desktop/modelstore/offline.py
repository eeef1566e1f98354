"""Offline mode: a network guard that refuses and records every connection attempt.

``block_network()`` patches ``socket.socket.connect``/``connect_ex``,
``socket.create_connection`` and ``socket.getaddrinfo`` so that any attempt raises
NetworkBlockedError and is recorded on the returned guard (tests assert ``guard.attempts``
is empty). ``offline_mode()`` does the same and also sets TAURA_OFFLINE=1, HF_HUB_OFFLINE=1
and TRANSFORMERS_OFFLINE=1 while active. ``is_offline()`` tells whether offline mode is on
(``set_offline()`` override, else the TAURA_OFFLINE environment variable).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from taura_desktop.errors import EngineUnavailableError

_TRUE = {"1", "true", "yes", "on"}
_override: bool | None = None


class NetworkBlockedError(EngineUnavailableError):
    """A network connection was attempted while offline mode blocks the network."""


def set_offline(value: bool | None) -> None:
    """Force offline mode on/off (e.g. from the app settings); None returns to the env var."""
    global _override
    _override = value


def is_offline() -> bool:
    """True when offline mode is on: ``set_offline(True)`` or TAURA_OFFLINE=1 (true/yes/on)."""
    if _override is not None:
        return _override
    return os.environ.get("TAURA_OFFLINE", "").strip().lower() in _TRUE


@dataclass(frozen=True)
class NetworkAttempt:
    kind: str  # "connect", "connect_ex", "create_connection", "getaddrinfo"
    target: str


@dataclass
class NetworkGuard:
    allow_loopback: bool = False
    attempts: list[NetworkAttempt] = field(default_factory=list)

    def _refuse(self, kind: str, target: object) -> NetworkBlockedError:
        shown = _fmt(target)
        with _LOCK:
            self.attempts.append(NetworkAttempt(kind, shown))
        return NetworkBlockedError(
            f"network access to {shown} blocked: Taura is in offline mode ({kind})"
        )


_LOCK = threading.Lock()
_active: list[NetworkGuard] = []
_originals: dict[str, Any] = {}

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


def _fmt(target: object) -> str:
    if isinstance(target, tuple) and len(target) >= 2:
        return f"{target[0]}:{target[1]}"
    return str(target)


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return isinstance(host, str) and (host in _LOOPBACK_HOSTS or host.startswith("127."))


def _guard() -> NetworkGuard | None:
    return _active[-1] if _active else None


def _inet(sock: socket.socket) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def _connect(self: socket.socket, address: Any) -> None:
    g = _guard()
    if g is not None and _inet(self) and not (g.allow_loopback and _is_loopback(address[0])):
        raise g._refuse("connect", address)
    _originals["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    g = _guard()
    if g is not None and _inet(self) and not (g.allow_loopback and _is_loopback(address[0])):
        raise g._refuse("connect_ex", address)
    result: int = _originals["connect_ex"](self, address)
    return result


def _create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    g = _guard()
    if g is not None and not (g.allow_loopback and _is_loopback(address[0])):
        raise g._refuse("create_connection", address)
    sock: socket.socket = _originals["create_connection"](address, *args, **kwargs)
    return sock


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    g = _guard()
    if g is not None and host is not None and not (g.allow_loopback and _is_loopback(host)):
        raise g._refuse("getaddrinfo", (host, port))
    return _originals["getaddrinfo"](host, port, *args, **kwargs)


def _install() -> None:
    _originals["connect"] = socket.socket.connect
    _originals["connect_ex"] = socket.socket.connect_ex
    _originals["create_connection"] = socket.create_connection
    _originals["getaddrinfo"] = socket.getaddrinfo
    socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
    socket.create_connection = _create_connection
    socket.getaddrinfo = _getaddrinfo


def _uninstall() -> None:
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.create_connection = _originals.pop("create_connection")
    socket.getaddrinfo = _originals.pop("getaddrinfo")


@contextmanager
def block_network(allow_loopback: bool = False) -> Iterator[NetworkGuard]:
    """Refuse (raise NetworkBlockedError) and record every network connection attempt.

    Unix-domain sockets are not affected. Guards nest; the innermost one records.
    """
    guard = NetworkGuard(allow_loopback=allow_loopback)
    with _LOCK:
        if not _active:
            _install()
        _active.append(guard)
    try:
        yield guard
    finally:
        with _LOCK:
            _active.remove(guard)
            if not _active:
                _uninstall()


_OFFLINE_ENV = ("TAURA_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@contextmanager
def offline_mode(allow_loopback: bool = False) -> Iterator[NetworkGuard]:
    """Offline mode: env TAURA_OFFLINE/HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE=1 plus block_network()."""
    saved_env = {k: os.environ.get(k) for k in _OFFLINE_ENV}
    for k in _OFFLINE_ENV:
        os.environ[k] = "1"
    hf_consts = sys.modules.get("huggingface_hub.constants")
    saved_hf = getattr(hf_consts, "HF_HUB_OFFLINE", None) if hf_consts is not None else None
    if hf_consts is not None:
        hf_consts.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]
    try:
        with block_network(allow_loopback=allow_loopback) as guard:
            yield guard
    finally:
        if hf_consts is not None:
            hf_consts.HF_HUB_OFFLINE = saved_hf  # type: ignore[attr-defined]
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
