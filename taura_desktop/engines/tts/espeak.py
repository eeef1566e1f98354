"""espeak-ng through its command line: the embedded default voice (no model files needed).

``espeak-ng --stdout -v VOICE -s WPM [-p PITCH]`` reads the text from stdin and writes a
22050 Hz 16-bit WAV to stdout. Each call is a short subprocess (~1000x realtime), so a batch
runs several calls at once in threads to use every core.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from taura_desktop.engines.tts.base import (
    SynthRequest,
    SynthResult,
    VoiceInfo,
    as_mono_float32,
    effective_speed,
)
from taura_desktop.errors import BadInputError, EngineUnavailableError
from taura_desktop.languages import ESPEAK_VOICES, language_tag

BASE_WPM = 175  # VoiceSpec.rate 1.0
MIN_WPM, MAX_WPM = 80, 450
SAMPLE_RATE = 22050

# Variants alternated across speakers: index 0 is the plain voice.
SPEAKER_VARIANTS: tuple[str, ...] = ("", "f2", "m3", "f4", "m2", "f1", "m4", "f3", "m6", "f5")

_MISSING = "espeak-ng: program not found on PATH; install the espeak-ng package"


def find_binary() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise EngineUnavailableError(_MISSING)
    return path


def _run(binary: str, args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([binary, *args], input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise EngineUnavailableError(_MISSING) from None


@lru_cache(maxsize=4)
def _version(binary: str) -> str:
    out = _run(binary, ["--version"]).stdout.decode("utf-8", "replace")
    m = re.search(r"text-to-speech:\s*(\S+)", out)
    return f"espeak-ng {m.group(1) if m else 'unknown'}"


def espeak_version() -> str:
    """``espeak-ng X.Y`` of the espeak-ng on PATH (phonemes and voices depend on it)."""
    return _version(find_binary())


def _parse_voice_table(text: str) -> list[tuple[int, VoiceInfo, str]]:
    """Rows of ``espeak-ng --voices``: (priority, info, file)."""
    rows: list[tuple[int, VoiceInfo, str]] = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        pty, lang, age_gender, name, file_ = parts[:5]
        others = tuple(re.findall(r"\(([^\s()]+)\s+\d+\)", line[line.find(file_) + len(file_) :]))
        g = age_gender.rsplit("/", 1)[-1].upper()
        gender = {"M": "male", "F": "female"}.get(g)
        prio = int(pty) if pty.isdigit() else 5
        rows.append((prio, VoiceInfo(id=lang, name=name, languages=(lang, *others), gender=gender), file_))
    return rows


@lru_cache(maxsize=4)
def _voice_table(binary: str) -> tuple[tuple[int, VoiceInfo, str], ...]:
    res = _run(binary, ["--voices"])
    return tuple(_parse_voice_table(res.stdout.decode("utf-8", "replace")))


@lru_cache(maxsize=4)
def _variants(binary: str) -> frozenset[str]:
    res = _run(binary, ["--voices=variant"])
    names: set[str] = set()
    for _pty, info, file_ in _parse_voice_table(res.stdout.decode("utf-8", "replace")):
        names.add(file_.split("/", 1)[-1].lower())
        names.add(info.name.lower())
    return frozenset(names)


def default_voice_for(lang: str, speaker_index: int = 0, *, binary: str | None = None) -> str:
    """espeak-ng voice for ``lang``; speaker 0 gets the plain voice, others a variant (``es+f2``)."""
    code = language_tag(lang)
    base = ESPEAK_VOICES.get(code)
    if base is None:
        table = _voice_table(binary or find_binary())
        ids = {info.id for _p, info, _f in table}
        if code in ids:
            base = code
        else:
            for want in (code, code.split("-")[0]):
                cands = sorted((p, info.id) for p, info, _f in table if want in info.languages)
                if cands:
                    base = cands[0][1]
                    break
        if base is None:
            raise EngineUnavailableError(f"espeak-ng: no voice for language '{lang}'")
    variant = SPEAKER_VARIANTS[speaker_index % len(SPEAKER_VARIANTS)] if speaker_index > 0 else ""
    return f"{base}+{variant}" if variant else base


def _wav_to_samples(data: bytes, what: str) -> tuple[np.ndarray, int]:
    """espeak-ng streams its WAV with an unset (huge) length: read whatever frames follow."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            sr = w.getframerate()
            width = w.getsampwidth()
            channels = w.getnchannels()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise EngineUnavailableError(f"espeak-ng: unreadable audio output for {what}: {exc}") from None
    if width != 2:
        raise EngineUnavailableError(f"espeak-ng: unexpected {8 * width}-bit output for {what}")
    pcm = np.frombuffer(frames[: len(frames) // (2 * channels) * 2 * channels], dtype="<i2")
    if channels > 1:  # average in float: casting the mean back to int16 would truncate
        return pcm.reshape(-1, channels).astype(np.float32).mean(axis=1) / 32768.0, sr
    return as_mono_float32(pcm), sr


class EspeakEngine:
    """espeak-ng voices (132 languages/accents, ``+variant`` suffixes for more speakers)."""

    name = "espeak"

    def __init__(self, binary: str | None = None, *, workers: int | None = None) -> None:
        self._binary = binary or find_binary()
        if not os.path.exists(self._binary):
            raise EngineUnavailableError(f"espeak-ng: program not found at {self._binary}")
        self._workers = max(1, workers or (os.cpu_count() or 1))
        self.version = _version(self._binary)

    # -- voices -------------------------------------------------------------------------
    def voices(self, lang: str | None = None) -> list[VoiceInfo]:
        infos = [info for _p, info, _f in _voice_table(self._binary)]
        if lang is None:
            return infos
        code = language_tag(lang)
        base = code.split("-")[0]
        return [
            v
            for v in infos
            if code in v.languages or base in v.languages or v.id.split("-")[0] == base
        ]

    def variants(self) -> frozenset[str]:
        return _variants(self._binary)

    def check_voice(self, voice: str) -> None:
        """Raise EngineUnavailableError (exit 4) when ``voice`` (``id[+variant]``) is unknown."""
        base, _, variant = voice.partition("+")
        known = {info.id.lower() for _p, info, _f in _voice_table(self._binary)}
        known |= {info.name.lower() for _p, info, _f in _voice_table(self._binary)}
        known |= {f.lower() for _p, _i, f in _voice_table(self._binary)}
        if base.lower() not in known:
            raise EngineUnavailableError(f"espeak-ng: unknown voice '{voice}' (see espeak-ng --voices)")
        if variant and variant.lower() not in self.variants():
            raise EngineUnavailableError(
                f"espeak-ng: unknown voice variant '{variant}' in '{voice}' (see espeak-ng --voices=variant)"
            )

    def resolve_voice(self, req: SynthRequest) -> str:
        return req.voice.voice or default_voice_for(req.lang, binary=self._binary)

    # -- synthesis ----------------------------------------------------------------------
    def _args(self, req: SynthRequest) -> list[str]:
        voice = self.resolve_voice(req)
        wpm = round(BASE_WPM * effective_speed(req))
        args = ["--stdout", "-b", "1", "-v", voice, "-s", str(max(MIN_WPM, min(MAX_WPM, wpm)))]
        if req.voice.pitch is not None:
            args += ["-p", str(max(0, min(99, int(req.voice.pitch))))]
        return args

    def synthesize(self, req: SynthRequest) -> SynthResult:
        if not req.text.strip():
            raise BadInputError("espeak-ng: empty text: nothing to synthesize")
        args = self._args(req)
        voice = args[args.index("-v") + 1]
        res = _run(self._binary, args, req.text.encode("utf-8"))
        if res.returncode != 0 or not res.stdout:
            err = res.stderr.decode("utf-8", "replace").strip().splitlines()
            why = err[0] if err else f"exit status {res.returncode}"
            raise EngineUnavailableError(f"espeak-ng: voice '{voice}' failed: {why}")
        samples, sr = _wav_to_samples(res.stdout, f"voice '{voice}'")
        return SynthResult(samples=samples, sample_rate=sr)

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]:
        if len(reqs) <= 1 or self._workers == 1:
            return [self.synthesize(r) for r in reqs]
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            return list(pool.map(self.synthesize, reqs))
