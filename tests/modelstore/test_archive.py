from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from taura_desktop.errors import BadInputError
from taura_desktop.modelstore.archive import safe_extract
from taura_desktop.modelstore.store import ModelStore

from .helpers import add_tar_member, argos_files, make_tar, make_whisper_dir, make_zip, snapshot

FILES = argos_files("en", "es")


@pytest.fixture
def populated(store: ModelStore, tmp_path: Path) -> ModelStore:
    store.import_path(make_whisper_dir(tmp_path / "faster-whisper-tiny"))
    return store


def _refused(store: ModelStore, archive: Path, pattern: str) -> None:
    before = snapshot(store.root)
    with pytest.raises(BadInputError, match=pattern) as err:
        store.import_path(archive)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(archive) in msg
    assert snapshot(store.root) == before, "a refused archive changed the store"
    assert not (archive.parent / "evil").exists()
    assert not (store.root / "evil").exists()


def _tarinfo(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_zip_parent_traversal(populated: ModelStore, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "in" / "t.zip", {**FILES, "../evil": b"x"})
    _refused(populated, z, r"outside the target folder: '\.\./evil'")


def test_zip_backslash_traversal(populated: ModelStore, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "in" / "t.zip", {**FILES, "pkg\\..\\..\\evil": b"x"})
    _refused(populated, z, "outside the target folder")


def test_zip_absolute_path(populated: ModelStore, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "in" / "t.argosmodel", {**FILES, "/tmp/evil": b"x"})
    _refused(populated, z, r"absolute path: '/tmp/evil'")


def test_zip_drive_letter(populated: ModelStore, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "in" / "t.zip", {**FILES, "C:/evil": b"x"})
    _refused(populated, z, "absolute path: 'C:/evil'")


def test_zip_symlink(populated: ModelStore, tmp_path: Path) -> None:
    z = tmp_path / "in" / "t.zip"
    make_zip(z, FILES)
    with zipfile.ZipFile(z, "a") as zf:
        info = zipfile.ZipInfo("translate-en_es-1_0/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    _refused(populated, z, "symlink in archive: 'translate-en_es-1_0/link'")


def test_zip_fifo(populated: ModelStore, tmp_path: Path) -> None:
    z = tmp_path / "in" / "t.zip"
    make_zip(z, FILES)
    with zipfile.ZipFile(z, "a") as zf:
        info = zipfile.ZipInfo("translate-en_es-1_0/pipe")
        info.external_attr = (stat.S_IFIFO | 0o644) << 16
        zf.writestr(info, "")
    _refused(populated, z, "special file in archive: 'translate-en_es-1_0/pipe'")


def test_tar_parent_traversal(populated: ModelStore, tmp_path: Path) -> None:
    t = make_tar(tmp_path / "in" / "t.tar.gz", {**FILES, "translate-en_es-1_0/../../evil": b"x"})
    _refused(populated, t, "outside the target folder")


def test_tar_absolute_path(populated: ModelStore, tmp_path: Path) -> None:
    t = make_tar(tmp_path / "in" / "t.tar", {**FILES, "/tmp/evil": b"x"}, "w")
    _refused(populated, t, "absolute path: '/tmp/evil'")


def test_tar_symlink(populated: ModelStore, tmp_path: Path) -> None:
    t = add_tar_member(
        tmp_path / "in" / "t.tar.gz", _tarinfo("translate-en_es-1_0/evil", tarfile.SYMTYPE, "/etc"), FILES
    )
    _refused(populated, t, "symlink in archive: 'translate-en_es-1_0/evil'")


def test_tar_relative_symlink_is_refused_too(populated: ModelStore, tmp_path: Path) -> None:
    info = _tarinfo("translate-en_es-1_0/l", tarfile.SYMTYPE, "metadata.json")
    t = add_tar_member(tmp_path / "in" / "t.tar.gz", info, FILES)
    _refused(populated, t, "symlink in archive")


def test_tar_hardlink(populated: ModelStore, tmp_path: Path) -> None:
    t = add_tar_member(
        tmp_path / "in" / "t.tar.gz", _tarinfo("translate-en_es-1_0/h", tarfile.LNKTYPE, "/etc/passwd"), FILES
    )
    _refused(populated, t, "hardlink in archive: 'translate-en_es-1_0/h'")


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE])
def test_tar_device_file(populated: ModelStore, tmp_path: Path, kind: bytes) -> None:
    t = add_tar_member(tmp_path / "in" / "t.tar.gz", _tarinfo("translate-en_es-1_0/dev", kind), FILES)
    _refused(populated, t, "device file in archive: 'translate-en_es-1_0/dev'")


def test_tar_fifo(populated: ModelStore, tmp_path: Path) -> None:
    info = _tarinfo("translate-en_es-1_0/p", tarfile.FIFOTYPE)
    t = add_tar_member(tmp_path / "in" / "t.tar.gz", info, FILES)
    _refused(populated, t, "FIFO in archive: 'translate-en_es-1_0/p'")


def test_truncated_zip(populated: ModelStore, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "in" / "t.argosmodel", FILES)
    z.write_bytes(z.read_bytes()[: len(z.read_bytes()) // 2])
    _refused(populated, z, "not a readable zip or tar archive|corrupt")


def test_zip_with_bad_crc(populated: ModelStore, tmp_path: Path) -> None:
    z = tmp_path / "in" / "t.zip"
    z.parent.mkdir(parents=True)
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for name, data in FILES.items():
            zf.writestr(name, data)
    raw = bytearray(z.read_bytes())
    pos = raw.find(b"ct2ct2")
    raw[pos] ^= 0xFF
    z.write_bytes(bytes(raw))
    _refused(populated, z, "corrupt")


def test_truncated_tar_gz(populated: ModelStore, tmp_path: Path) -> None:
    t = make_tar(tmp_path / "in" / "t.tar.gz", {**FILES, "translate-en_es-1_0/big": bytes(range(256)) * 400})
    t.write_bytes(t.read_bytes()[:-200])
    _refused(populated, t, "corrupt or truncated|not a readable")


def test_garbage_with_archive_name(populated: ModelStore, tmp_path: Path) -> None:
    g = tmp_path / "in" / "t.tar.xz"
    g.parent.mkdir(parents=True)
    g.write_bytes(b"\x00garbage" * 100)
    _refused(populated, g, "not a readable zip or tar archive")


def test_safe_extract_cleans_up_dest_it_created(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "t.zip", {"a/ok.txt": b"ok", "../evil": b"x"})
    dest = tmp_path / "out"
    with pytest.raises(BadInputError):
        safe_extract(z, dest)
    assert not dest.exists()


def test_safe_extract_valid_archive(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:bz2") as tf:
        d = tarfile.TarInfo("pkg")
        d.type = tarfile.DIRTYPE
        tf.addfile(d)
        f = tarfile.TarInfo("pkg/a.txt")
        f.size = 2
        tf.addfile(f, io.BytesIO(b"hi"))
    (tmp_path / "t.tar.bz2").write_bytes(buf.getvalue())
    safe_extract(tmp_path / "t.tar.bz2", tmp_path / "out")
    assert (tmp_path / "out" / "pkg" / "a.txt").read_bytes() == b"hi"


def test_safe_extract_missing_archive(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"x\.zip: archive not found"):
        safe_extract(tmp_path / "x.zip", tmp_path / "out")


# --------------------------------------------------------------------------- size limits
def _bomb_zip(path: Path, size: int) -> Path:
    """An argos-looking package whose model.bin is ``size`` zero bytes (deflates ~1000:1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in FILES.items():
            if not name.endswith("model/model.bin"):
                zf.writestr(name, data)
        top = next(iter(FILES)).split("/")[0]
        with zf.open(f"{top}/model/model.bin", "w", force_zip64=True) as out:
            block = b"\0" * (1024 * 1024)
            for _ in range(size // len(block)):
                out.write(block)
    return path


def test_zip_bomb_refused(populated: ModelStore, tmp_path: Path) -> None:
    z = _bomb_zip(tmp_path / "in" / "bomb.zip", 210 * 1024 * 1024)
    assert z.stat().st_size < 1024 * 1024
    _refused(populated, z, r"unpacks .* bytes into .* \(ratio \d+:1; a zip bomb")


def test_tar_bomb_refused(populated: ModelStore, tmp_path: Path) -> None:
    big = tarfile.TarInfo(f"{next(iter(FILES)).split('/')[0]}/model/huge.bin")
    big.size = 150 * 1024 * 1024
    t = tmp_path / "in" / "bomb.tar.xz"
    t.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(t, "w:xz") as tf:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        tf.addfile(big, io.BytesIO(b"\0" * big.size))
    _refused(populated, t, r"a zip bomb, not model weights")


def test_archive_over_the_size_limit_refused(
    populated: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAURA_MAX_MODEL_BYTES", "500")
    z = make_zip(tmp_path / "in" / "t.zip", FILES)
    _refused(populated, z, r"unpacks to \d[\d,]* bytes, over the 500 byte limit")


def test_member_lying_about_its_size_stops(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "t.zip", {"a.bin": b"x" * 5000})
    data = bytearray(z.read_bytes())
    # patch the declared uncompressed size (central directory + local header) down to 10
    import struct

    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 10)
    struct.pack_into("<I", data, 22, 10)
    z.write_bytes(bytes(data))
    with pytest.raises(BadInputError) as err:
        safe_extract(z, tmp_path / "out")
    assert "\n" not in str(err.value) and str(z) in str(err.value)
    assert not (tmp_path / "out").exists()


def test_normal_archive_still_imports_under_python_3_11_2(
    store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11.0-3.11.3 have no tarfile.data_filter / FilterError: still extracts."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    monkeypatch.delattr(tarfile, "FilterError", raising=False)
    t = make_tar(tmp_path / "in" / "pkg.tar.gz", FILES)
    model = store.import_path(t)
    assert model.name == "translate-en_es"
    bad = add_tar_member(
        tmp_path / "in" / "bad.tar.gz", _tarinfo("x/link", tarfile.SYMTYPE, "/etc/passwd"), FILES
    )
    with pytest.raises(BadInputError, match="symlink in archive"):
        store.import_path(bad)


# --------------------------------------------------------------------------- folder imports
def test_folder_symlink_to_outside_file_refused(populated: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "faster-whisper-small")
    (src / "passwd").symlink_to("/etc/passwd")
    before = snapshot(populated.root)
    with pytest.raises(BadInputError, match=r"passwd: refusing symlink in model folder") as err:
        populated.import_path(src)
    assert "\n" not in str(err.value)
    assert snapshot(populated.root) == before


def test_folder_symlinked_subfolder_refused(populated: ModelStore, tmp_path: Path) -> None:
    src = make_whisper_dir(tmp_path / "faster-whisper-small")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    (src / "extra").symlink_to(outside, target_is_directory=True)
    before = snapshot(populated.root)
    with pytest.raises(BadInputError, match="refusing symlink in model folder"):
        populated.import_path(src)
    assert snapshot(populated.root) == before
