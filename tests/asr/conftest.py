"""Fixtures for the speech-recognition tests: a tiny Whisper model and espeak-ng speech."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tests.tiny.whisper import build_tiny_whisper

if TYPE_CHECKING:
    from taura_desktop.engines.asr import WhisperEngine

SR = 16000


def espeak_speech(text: str, out_dir: Path, voice: str = "en") -> np.ndarray:
    """Synthesize ``text`` with espeak-ng and decode it to 16 kHz mono float32."""
    from faster_whisper import decode_audio

    if shutil.which("espeak-ng") is None:  # a system tool the project requires
        raise RuntimeError("espeak-ng is not installed")
    wav = out_dir / f"speech-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    return np.asarray(decode_audio(str(wav), sampling_rate=SR), dtype=np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.float32)


@pytest.fixture(scope="session")
def tiny_whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-whisper")
    return build_tiny_whisper(root / "tiny")


@pytest.fixture(scope="session")
def speech_clip(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """~3-4 s of English speech."""
    out = tmp_path_factory.mktemp("speech")
    return espeak_speech("The quick brown fox jumps over the lazy dog near the river bank.", out)


@pytest.fixture(scope="session")
def speech_audio(speech_clip: np.ndarray) -> np.ndarray:
    """2 s silence, speech, 4 s silence, speech, 2 s silence (about 15 s)."""
    return np.concatenate([silence(2.0), speech_clip, silence(4.0), speech_clip, silence(2.0)])


@pytest.fixture(scope="session")
def tiny_engine(tiny_whisper_dir: Path) -> WhisperEngine:
    from taura_desktop.engines.asr import WhisperEngine

    return WhisperEngine(tiny_whisper_dir, device="cpu")
