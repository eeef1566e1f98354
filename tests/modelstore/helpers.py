"""Builders of small structurally valid model folders and archives for the model store tests."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Literal


def tree(root: Path) -> list[str]:
    """Every path under root (relative, sorted), to compare a store before/after an operation."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def snapshot(root: Path) -> list[str]:
    """tree() without the (possibly just created, empty) .partial folder itself."""
    return [p for p in tree(root) if p != ".partial"]


def make_whisper_dir(folder: Path, payload: bytes = b"weights" * 100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(payload)
    (folder / "config.json").write_text(json.dumps({"lang_ids": [50259]}), encoding="utf-8")
    (folder / "tokenizer.json").write_text(json.dumps({"model": {"type": "BPE"}}), encoding="utf-8")
    (folder / "preprocessor_config.json").write_text(json.dumps({"feature_size": 80}), encoding="utf-8")
    return folder


def argos_files(from_code: str = "en", to_code: str = "es") -> dict[str, bytes]:
    """Relative path -> content of a structurally valid argos package (one top-level folder)."""
    top = f"translate-{from_code}_{to_code}-1_0"
    meta = {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "links": [],
    }
    return {
        f"{top}/metadata.json": json.dumps(meta).encode(),
        f"{top}/sentencepiece.model": b"spm" * 50,
        f"{top}/model/model.bin": b"ct2" * 200,
        f"{top}/model/config.json": b"{}",
    }


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


TarMode = Literal["w", "w:gz", "w:bz2", "w:xz"]


def make_tar(path: Path, files: dict[str, bytes], mode: TarMode = "w:gz") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, mode) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def add_tar_member(path: Path, info: tarfile.TarInfo, files: dict[str, bytes], data: bytes = b"") -> Path:
    """A .tar.gz holding the valid package files plus one crafted member."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, content in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(content)
            tf.addfile(ti, io.BytesIO(content))
        info.size = len(data) if info.isfile() else 0
        tf.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path
