from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request

import pytest

from taura_desktop.errors import ExitCode, TauraError
from taura_desktop.modelstore.offline import (
    NetworkBlockedError,
    block_network,
    is_offline,
    offline_mode,
    set_offline,
)


def test_urllib_attempt_is_blocked_and_recorded() -> None:
    with block_network() as guard, pytest.raises(NetworkBlockedError) as err:
        urllib.request.urlopen("http://192.0.2.1:8080/model.bin", timeout=1)
    msg = str(err.value)
    assert "192.0.2.1:8080" in msg and "offline mode" in msg and "\n" not in msg
    assert isinstance(err.value, TauraError)
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert [a.kind for a in guard.attempts] == ["create_connection"]
    assert guard.attempts[0].target == "192.0.2.1:8080"


def test_raw_socket_and_dns_are_blocked() -> None:
    with block_network() as guard:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            with pytest.raises(NetworkBlockedError):
                s.connect(("192.0.2.1", 80))
            with pytest.raises(NetworkBlockedError):
                s.connect_ex(("192.0.2.1", 81))
        finally:
            s.close()
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("huggingface.co", 443)
    assert [a.kind for a in guard.attempts] == ["connect", "connect_ex", "getaddrinfo"]
    assert guard.attempts[2].target == "huggingface.co:443"


def test_patches_are_restored_and_guards_nest() -> None:
    original = socket.create_connection
    with block_network() as outer:
        with block_network() as inner, pytest.raises(NetworkBlockedError):
            socket.create_connection(("192.0.2.1", 80))
        assert socket.create_connection is not original  # outer still active
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("example.org", 80)
    assert socket.create_connection is original
    assert len(inner.attempts) == 1 and len(outer.attempts) == 1


def test_loopback_can_be_allowed() -> None:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        with block_network(allow_loopback=True) as guard:
            conn = socket.create_connection(srv.getsockname(), timeout=2)
            conn.close()
        assert guard.attempts == []
    finally:
        srv.close()


def test_unix_sockets_are_not_blocked() -> None:
    a, b = socket.socketpair()
    with block_network() as guard:
        a.sendall(b"x")
        assert b.recv(1) == b"x"
    a.close()
    b.close()
    assert guard.attempts == []


def test_offline_mode_sets_env_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert not is_offline()
    with offline_mode() as guard:
        assert os.environ["HF_HUB_OFFLINE"] == "1"
        assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
        assert is_offline()
        with pytest.raises(NetworkBlockedError):
            urllib.request.urlopen("https://huggingface.co/api/models", timeout=1)
    assert len(guard.attempts) == 1
    assert os.environ["HF_HUB_OFFLINE"] == "0"
    assert "TRANSFORMERS_OFFLINE" not in os.environ
    assert not is_offline()


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_is_offline_reads_env(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("TAURA_OFFLINE", value)
    assert is_offline() is expected


def test_set_offline_overrides_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAURA_OFFLINE", "1")
    set_offline(False)
    assert not is_offline()
    set_offline(None)
    assert is_offline()
