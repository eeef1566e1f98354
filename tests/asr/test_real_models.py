"""Real Whisper weights from the model store, when present (skipped otherwise).

Looks in $TAURA_MODELS_DIR/whisper/<name>/ (or the default store folder) as it was BEFORE the
hermetic test fixtures redirected it.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.engines.asr import AsrOptions, WhisperEngine
from tests.asr.conftest import espeak_speech, silence


def _store_root() -> Path | None:
    env = os.environ.get("TAURA_MODELS_DIR")
    if env:
        return Path(env)
    try:
        import platformdirs

        return Path(platformdirs.user_data_path("taura-desktop")) / "models"
    except Exception:
        return None


_ROOT = _store_root()  # evaluated at collection time, before the hermetic fixtures run
_NAMES = ("large-v3-turbo", "large-v3", "medium", "small", "base", "tiny", "distil-large-v3")


def _find_model() -> Path | None:
    if _ROOT is None:
        return None
    for name in _NAMES:
        folder = _ROOT / "whisper" / name
        if (folder / "model.bin").is_file() and (folder / "tokenizer.json").is_file():
            return folder
    return None


_MODEL = _find_model()


@pytest.mark.real_models
@pytest.mark.skipif(_MODEL is None, reason="no real whisper model in the model store")
def test_real_model_recognizes_espeak_sentence(tmp_path: Path) -> None:
    assert _MODEL is not None
    sentence = "The quick brown fox jumps over the lazy dog."
    speech = espeak_speech(sentence, tmp_path)
    audio = np.concatenate([silence(1.5), speech, silence(3.0), speech, silence(1.5)])
    engine = WhisperEngine(_MODEL)
    info, it = engine.transcribe(audio, AsrOptions())
    segments = list(it)
    assert info.language == "en" and info.language_probability > 0.5
    words = [re.sub(r"\W", "", w.text.lower()) for s in segments for w in s.words]
    for expected in ("quick", "brown", "fox", "lazy", "dog"):
        assert words.count(expected) >= 1, (expected, words)
    speech_ms = len(speech) * 1000 // 16000
    first = (1500, 1500 + speech_ms)
    for s in segments:  # nothing in the silences
        for w in s.words:
            assert w.start_ms >= first[0] - 500 and w.end_ms <= info.duration_ms - 1000
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(segments))
