"""What a bug report needs: the version of Taura and of every engine found on this machine.

``engine_versions()`` returns plain data (name, version or None, a detail such as the
onnxruntime providers or the apertium pairs); ``version_report()`` formats it as the text that
``taura --version`` and ``taura-desktop --version`` print (:mod:`taura_desktop.app.version`).
Nothing here loads a model.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

DIST = "taura-desktop"


@dataclass(frozen=True, slots=True)
class EngineVersion:
    name: str
    version: str | None  # None: not found
    detail: str = ""


def taura_version() -> str:
    return dist_version(DIST) or "0+unknown (not installed)"


def dist_version(name: str) -> str | None:
    """The installed version of distribution ``name``; None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _run(argv: list[str]) -> str:
    """First non-empty output line of a short command ('' if it fails)."""
    exe = shutil.which(argv[0])
    if exe is None:
        return ""
    try:
        proc = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    out = (proc.stdout or proc.stderr).strip()
    return out.splitlines()[0].strip() if out else ""


def _ctranslate2() -> EngineVersion:
    version = dist_version("ctranslate2")
    if version is None:
        return EngineVersion("CTranslate2", None)
    try:
        import ctranslate2

        cuda = int(ctranslate2.get_cuda_device_count())
    except Exception as exc:  # a broken build: report it rather than fail the report
        return EngineVersion("CTranslate2", version, f"cannot load: {type(exc).__name__}")
    return EngineVersion("CTranslate2", version, f"CUDA devices: {cuda}")


def _onnxruntime() -> EngineVersion:
    version = dist_version("onnxruntime") or dist_version("onnxruntime-gpu")
    if version is None:
        return EngineVersion("onnxruntime", None)
    try:
        import onnxruntime

        providers = ", ".join(onnxruntime.get_available_providers())
    except Exception as exc:
        return EngineVersion("onnxruntime", version, f"cannot load: {type(exc).__name__}")
    return EngineVersion("onnxruntime", version, f"providers: {providers}")


def _espeak() -> EngineVersion:
    line = _run(["espeak-ng", "--version"])  # "eSpeak NG text-to-speech: 1.51  Data at: ..."
    m = re.search(r":\s*([\w.\-]+)", line)
    return EngineVersion("espeak-ng", m.group(1) if m else None)


def _apertium() -> EngineVersion:
    line = _run(["apertium", "-V"])  # "Apertium 3.8.3"
    m = re.search(r"(\d[\w.\-]*)", line)
    if not m:
        return EngineVersion("apertium", None)
    pairs = []
    exe = shutil.which("apertium")
    if exe is not None:
        try:
            proc = subprocess.run([exe, "-l"], capture_output=True, text=True, timeout=10, check=False)
            pairs = proc.stdout.split()
        except (OSError, subprocess.SubprocessError):
            pairs = []
    return EngineVersion("apertium", m.group(1), f"pairs: {', '.join(pairs) or 'none'}")


def _ffmpeg() -> EngineVersion:
    line = _run(["ffmpeg", "-hide_banner", "-version"])  # "ffmpeg version 5.1.9-0+deb12u1 Copyright ..."
    m = re.search(r"version\s+(\S+)", line)
    return EngineVersion("ffmpeg", m.group(1) if m else None)


def _libmpv() -> EngineVersion:
    """libmpv's client API version, read without creating a player."""
    candidates = [ctypes.util.find_library("mpv"), "libmpv.so.2", "libmpv.so.1", "libmpv.so"]
    for name in candidates:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        fn = lib.mpv_client_api_version
        fn.restype = ctypes.c_ulong
        api = int(fn())
        return EngineVersion("libmpv", f"client API {api >> 16}.{api & 0xFFFF}", name)
    return EngineVersion("libmpv", None)


def engine_versions() -> list[EngineVersion]:
    return [
        EngineVersion("Python", sys.version.split()[0]),
        EngineVersion("faster-whisper", dist_version("faster-whisper")),
        _ctranslate2(),
        _onnxruntime(),
        EngineVersion("piper-tts", dist_version("piper-tts")),
        EngineVersion("argostranslate", dist_version("argostranslate")),
        EngineVersion("coqui-tts (XTTS)", dist_version("coqui-tts")),
        EngineVersion("torch", dist_version("torch")),
        EngineVersion("ray", dist_version("ray")),
        EngineVersion("PySide6", dist_version("PySide6-Essentials") or dist_version("PySide6")),
        _espeak(),
        _apertium(),
        _ffmpeg(),
        _libmpv(),
    ]


def version_report(program: str) -> str:
    """``PROGRAM VERSION`` then one line per engine (``not found`` when absent)."""
    lines = [f"{program} {taura_version()}"]
    for e in engine_versions():
        version = e.version or "not found"
        lines.append(f"  {e.name:<17} {version}" + (f"  ({e.detail})" if e.detail and e.version else ""))
    return "\n".join(lines)
