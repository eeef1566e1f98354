from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from taura_desktop.errors import EngineUnavailableError
from taura_desktop.modelstore import catalog
from taura_desktop.modelstore import download as dl
from taura_desktop.modelstore.download import DownloadProgress, download
from taura_desktop.modelstore.offline import block_network
from taura_desktop.modelstore.store import MANIFEST, ModelStore

from .helpers import argos_files, make_whisper_dir, make_zip


class FakeHub:
    """A local stand-in for a Hugging Face repo: list_repo_tree + snapshot_download."""

    def __init__(self, remote: Path) -> None:
        self.remote = remote
        self.fail_after: int | None = None  # files fully copied before the "connection drops"
        self.corrupt: set[str] = set()
        self.calls: list[dict[str, Any]] = []
        self.copied: list[str] = []

    def files(self) -> list[str]:
        return sorted(p.relative_to(self.remote).as_posix() for p in self.remote.rglob("*") if p.is_file())

    def list_repo_tree(self, repo_id: str, **kw: Any) -> list[Any]:
        from huggingface_hub.hf_api import RepoFile

        out = []
        for rel in self.files():
            data = (self.remote / rel).read_bytes()
            git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            lfs = None
            if rel.endswith((".bin", ".onnx", ".pth")):
                lfs = {"size": len(data), "oid": hashlib.sha256(data).hexdigest(), "pointerSize": 130}
            out.append(RepoFile(path=rel, size=len(data), oid=git, lfs=lfs))
        return out

    def snapshot_download(
        self, repo_id: str, *, local_dir: Path, allow_patterns: list[str], **kw: Any
    ) -> str:
        self.calls.append({"repo_id": repo_id, "local_dir": Path(local_dir), "allow": list(allow_patterns)})
        local = Path(local_dir)
        (local / ".cache" / "huggingface").mkdir(parents=True, exist_ok=True)
        done = 0
        for rel in self.files():
            if not any(fnmatch.fnmatch(rel, p) for p in allow_patterns):
                continue
            src, dst = self.remote / rel, local / rel
            if dst.is_file() and dst.stat().st_size == src.stat().st_size:
                continue  # resume: already complete
            dst.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            if self.fail_after is not None and done >= self.fail_after:
                dst.write_bytes(data[: len(data) // 2])
                raise ConnectionResetError("Connection reset by peer")
            if rel in self.corrupt:
                data = b"X" + data[1:]
            dst.write_bytes(data)
            self.copied.append(rel)
            done += 1
        return str(local)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    import huggingface_hub

    fake = FakeHub(tmp_path / "remote")
    fake.remote.mkdir()
    monkeypatch.setattr(huggingface_hub.HfApi, "list_repo_tree", fake.list_repo_tree)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake.snapshot_download)
    monkeypatch.setattr(dl, "hub_reachable", lambda timeout=3.0: None)
    return fake


def test_hf_download_interrupted_then_resumed(hub: FakeHub, store: ModelStore) -> None:
    make_whisper_dir(hub.remote, b"w" * 5000)
    (hub.remote / "README.md").write_text("not selected by allow_patterns")
    hub.fail_after = 2
    with pytest.raises(EngineUnavailableError, match="run the same command again to resume") as err:
        download("small", store)
    assert "\n" not in str(err.value)
    # nothing installed, partial kept for the resume
    assert store.list_installed() == []
    assert not store.is_installed("whisper", "small")
    assert not (store.root / "whisper" / "small").exists()
    partial = store.partial_dir("whisper", "small")
    assert partial.is_dir()
    first = list(hub.copied)
    assert len(first) == 2

    hub.fail_after = None
    events: list[DownloadProgress] = []
    model = download("small", store, progress=events.append)
    assert model.path == store.path("whisper", "small")
    assert not partial.exists()
    assert hub.calls[0]["local_dir"] == hub.calls[1]["local_dir"] == partial
    assert not set(first) & set(hub.copied[2:]), "completed files were fetched again"
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["source"] == "hf:Systran/faster-whisper-small"
    assert manifest["license"] == "MIT"
    assert {f["path"] for f in manifest["files"]} == {
        "model.bin", "config.json", "tokenizer.json", "preprocessor_config.json"
    }
    assert not (model.path / ".cache").exists()
    assert not (model.path / "README.md").exists()
    assert [e.stage for e in events][-1] == "done"
    assert all(r.ok for r in store.verify())


def test_hf_download_checksum_mismatch_installs_nothing(hub: FakeHub, store: ModelStore) -> None:
    make_whisper_dir(hub.remote)
    hub.corrupt = {"model.bin"}
    msg = r"model\.bin of model 'tiny' failed verification \(sha256 mismatch\)"
    with pytest.raises(EngineUnavailableError, match=msg):
        download("tiny", store)
    assert store.list_installed() == []
    assert not (store.partial_dir("whisper", "tiny") / "model.bin").exists()  # refetched next time
    hub.corrupt = set()
    assert download("tiny", store).name == "tiny"


def test_hf_small_file_checked_by_git_blob_id(hub: FakeHub, store: ModelStore) -> None:
    make_whisper_dir(hub.remote)
    hub.corrupt = {"config.json"}
    with pytest.raises(EngineUnavailableError, match=r"config.json .* failed verification"):
        download("tiny", store)
    assert store.list_installed() == []


def test_hf_download_replaces_existing_install(hub: FakeHub, store: ModelStore, tmp_path: Path) -> None:
    store.import_path(make_whisper_dir(tmp_path / "old" / "small", b"old"))
    make_whisper_dir(hub.remote, b"new-weights")
    download("small", store)
    assert (store.path("whisper", "small") / "model.bin").read_bytes() == b"new-weights"


def test_piper_voice_files_are_flattened(hub: FakeHub, store: ModelStore) -> None:
    voice = "es_ES-davefx-medium"
    folder = hub.remote / "es" / "es_ES" / "davefx" / "medium"
    folder.mkdir(parents=True)
    (folder / f"{voice}.onnx").write_bytes(b"onnx" * 10)
    (folder / f"{voice}.onnx.json").write_text("{}")
    (folder / "MODEL_CARD").write_text("card")
    other = hub.remote / "de" / "de_DE" / "thorsten" / "medium"
    other.mkdir(parents=True)
    (other / "de_DE-thorsten-medium.onnx").write_bytes(b"other")
    model = download(voice, store)
    assert sorted(p.name for p in model.path.iterdir()) == sorted(
        [f"{voice}.onnx", f"{voice}.onnx.json", "MODEL_CARD", MANIFEST]
    )


def test_hf_listing_failure_is_unavailable(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def boom(*a: object, **k: object) -> list[object]:
        raise OSError("Name or service not known")

    monkeypatch.setattr(huggingface_hub.HfApi, "list_repo_tree", boom)
    monkeypatch.setattr(dl, "hub_reachable", lambda timeout=3.0: None)
    with pytest.raises(EngineUnavailableError, match=r"cannot list files of model 'small'.*Name or service"):
        download("small", store)


def test_unreachable_hub_fails_fast_with_one_line(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def never(*a: object, **k: object) -> list[object]:
        raise AssertionError("the hub must not be asked when its host is unreachable")

    monkeypatch.setattr(huggingface_hub.HfApi, "list_repo_tree", never)
    monkeypatch.setattr(dl, "hub_reachable", lambda timeout=3.0: "huggingface.co not reachable (x)")
    with pytest.raises(EngineUnavailableError, match=r"^cannot list files of model 'small'.*not reachable"):
        download("small", store)
    assert store.list_installed() == []


def test_offline_download_raises_before_any_network(
    hub: FakeHub, store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_whisper_dir(hub.remote)
    with block_network() as guard:
        with pytest.raises(EngineUnavailableError, match=r"offline mode is on.*taura models import PATH"):
            download("small", store, offline=True)
        monkeypatch.setenv("TAURA_OFFLINE", "1")
        with pytest.raises(EngineUnavailableError, match="offline mode is on"):
            download(catalog.get("translate-en_es"), store)
    assert guard.attempts == []
    assert hub.calls == []
    assert not (store.root / ".partial").exists()


def test_manual_entry_cannot_be_downloaded(store: ModelStore) -> None:
    with pytest.raises(EngineUnavailableError, match=r"'htdemucs' cannot be downloaded.*import"):
        download("htdemucs", store)


def test_unknown_name(store: ModelStore) -> None:
    with pytest.raises(EngineUnavailableError, match="'nope' is not in the catalog"):
        download("nope", store)


# --------------------------------------------------------------------------- argos over HTTP


class FakeResponse:
    def __init__(self, data: bytes, status: int, headers: dict[str, str], fail_at: int | None) -> None:
        self._data, self.status, self.headers = data, status, headers
        self._pos, self._fail_at = 0, fail_at

    def read(self, n: int = -1) -> bytes:
        if self._fail_at is not None and self._pos >= self._fail_at:
            raise ConnectionResetError("Connection reset by peer")
        end = len(self._data) if n < 0 else self._pos + n
        if self._fail_at is not None:
            end = min(end, self._fail_at)
        chunk = self._data[self._pos:end]
        self._pos += len(chunk)
        return chunk

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *a: object) -> None:
        return None


class FakeArgosServer:
    INDEX = "https://index.invalid/index.json"
    URL = "https://files.invalid/translate-en_es-1_0.argosmodel"

    def __init__(self, package: bytes) -> None:
        self.package = package
        self.fail_at: int | None = None
        self.honor_range = True
        self.requests: list[tuple[str, str | None]] = []

    def index(self) -> list[dict[str, Any]]:
        return [
            {"from_code": "en", "to_code": "es", "package_version": "0.9", "links": ["https://old.invalid/x"]},
            {"from_code": "en", "to_code": "es", "package_version": "1.0", "links": [self.URL],
             "from_name": "English", "to_name": "Spanish", "argos_version": "1.0"},
            {"from_code": "en", "to_code": "fr", "package_version": "1.0", "links": ["https://x.invalid"]},
        ]

    def urlopen(self, req: urllib.request.Request, timeout: float) -> FakeResponse:
        rng = req.get_header("Range")
        self.requests.append((req.full_url, rng))
        if req.full_url == self.INDEX:
            return FakeResponse(json.dumps(self.index()).encode(), 200, {}, None)
        assert req.full_url == self.URL
        data, fail = self.package, self.fail_at
        if rng and self.honor_range:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            body = data[start:]
            headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
            return FakeResponse(body, 206, headers, None if fail is None else max(fail - start, 0))
        return FakeResponse(data, 200, {"Content-Length": str(len(data))}, fail)


@pytest.fixture
def argos_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeArgosServer:
    pkg = make_zip(tmp_path / "pkg.argosmodel", argos_files("en", "es")).read_bytes()
    server = FakeArgosServer(pkg)
    monkeypatch.setenv("TAURA_ARGOS_INDEX", server.INDEX)
    monkeypatch.setattr(dl, "_urlopen", server.urlopen)
    monkeypatch.setattr(dl, "_CHUNK", 64)
    return server


def test_argos_download_resumes_with_range(argos_server: FakeArgosServer, store: ModelStore) -> None:
    argos_server.fail_at = len(argos_server.package) // 2
    with pytest.raises(EngineUnavailableError, match=r"download of model 'translate-en_es' failed.*resume"):
        download("translate-en_es", store)
    assert store.list_installed() == []
    part = store.partial_dir("argos", "translate-en_es") / "package.argosmodel.part"
    have = part.stat().st_size
    assert 0 < have < len(argos_server.package)

    argos_server.fail_at = None
    model = download("translate-en_es", store)
    assert argos_server.requests[-1] == (FakeArgosServer.URL, f"bytes={have}-")
    assert (model.engine, model.name) == ("argos", "translate-en_es")
    assert (model.path / "metadata.json").is_file()
    assert not store.partial_dir("argos", "translate-en_es").exists()
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["source"] == "argos:translate-en_es@1.0"
    assert manifest["package"]["to_name"] == "Spanish"


def test_argos_server_ignoring_range_restarts(argos_server: FakeArgosServer, store: ModelStore) -> None:
    argos_server.fail_at = 100
    with pytest.raises(EngineUnavailableError):
        download("translate-en_es", store)
    argos_server.fail_at = None
    argos_server.honor_range = False
    assert download("translate-en_es", store).name == "translate-en_es"
    assert store.verify()[0].ok


def test_argos_real_tiny_package(
    argos_server: FakeArgosServer,
    store: ModelStore,
    tiny_argos_package: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dl, "_CHUNK", 64 * 1024)
    argos_server.package = tiny_argos_package.read_bytes()
    model = download("translate-en_es", store)
    assert (model.path / "sentencepiece.model").is_file()
    assert (model.path / "model" / "model.bin").is_file()


def test_argos_corrupt_package_not_installed(argos_server: FakeArgosServer, store: ModelStore) -> None:
    argos_server.package = b"PK\x03\x04 definitely not a zip" * 10
    msg = "downloaded package for model 'translate-en_es' is unusable"
    with pytest.raises(EngineUnavailableError, match=msg):
        download("translate-en_es", store)
    assert store.list_installed() == []
    partial = store.partial_dir("argos", "translate-en_es")
    assert not (partial / "package.argosmodel").exists()  # fetched again next time


def test_argos_wrong_pair_not_installed(argos_server: FakeArgosServer, store: ModelStore) -> None:
    argos_server.package = make_zip(
        store.root.parent / "fr.zip", argos_files("en", "fr")
    ).read_bytes()
    with pytest.raises(EngineUnavailableError, match="package is for en->fr, not en->es"):
        download("translate-en_es", store)
    assert store.list_installed() == []


def test_argos_pair_missing_from_index(argos_server: FakeArgosServer, store: ModelStore) -> None:
    with pytest.raises(EngineUnavailableError, match="has no package de->en"):
        download("translate-de_en", store)


def test_failed_download_keeps_older_install(argos_server: FakeArgosServer, store: ModelStore) -> None:
    download("translate-en_es", store)
    shutil.rmtree(store.partial_root, ignore_errors=True)
    argos_server.fail_at = 10
    with pytest.raises(EngineUnavailableError):
        download("translate-en_es", store)
    assert store.is_installed("argos", "translate-en_es")
    assert store.verify()[0].ok


def test_an_interrupted_download_is_listed_and_can_be_discarded(hub: FakeHub, store: ModelStore) -> None:
    make_whisper_dir(hub.remote, b"w" * 5000)
    hub.fail_after = 2
    with pytest.raises(EngineUnavailableError):
        download("small", store)
    (unfinished,) = store.partial_downloads()
    assert (unfinished.engine, unfinished.name) == ("whisper", "small")
    assert unfinished.path == store.partial_dir("whisper", "small")
    assert unfinished.size_bytes == sum(f.stat().st_size for f in unfinished.path.rglob("*") if f.is_file())
    assert unfinished.size_bytes > 0
    assert store.discard_partial("argos/small") == []  # another engine's name: untouched
    assert store.discard_partial("whisper/small") == [unfinished]
    assert store.partial_downloads() == [] and not unfinished.path.exists()
    assert not list(store.partial_root.glob(".trash-*"))
    # the next download starts over and installs
    hub.fail_after = None
    hub.copied.clear()
    assert download("small", store).path == store.path("whisper", "small")
    assert len(hub.copied) >= 3
