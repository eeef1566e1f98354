"""The real GE2E encoder and diarization on conversations between real TTS voices."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.engines.speaker import SpeakerEncoder, open_encoder
from taura_desktop.engines.speaker.ge2e import WEIGHTS_FILE, WEIGHTS_SHA256, Ge2eEncoder
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.pipeline.diarize import diarize_audio
from tests.convgen import SR, VOICES, make_conversation, say, speech_accuracy

pytestmark = pytest.mark.real_models


def test_installed_weights_are_the_ge2e_file(ge2e_dir: Path) -> None:
    digest = hashlib.sha256((ge2e_dir / WEIGHTS_FILE).read_bytes()).hexdigest()
    assert digest == WEIGHTS_SHA256
    enc = Ge2eEncoder(ge2e_dir, check_hash=True)
    assert isinstance(enc, SpeakerEncoder)
    assert enc.name.startswith("ge2e-")


def test_bad_weights_are_engine_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="not found"):
        open_encoder(str(tmp_path))
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not a torch file")
    with pytest.raises(EngineUnavailableError, match="cannot read speaker model"):
        open_encoder(str(tmp_path))
    with pytest.raises(EngineUnavailableError, match="not the GE2E weights"):
        Ge2eEncoder(tmp_path, check_hash=True)


def test_same_voice_is_closer_than_another_voice(encoder: SpeakerEncoder) -> None:
    a1 = say("The weather today is quite pleasant and warm.", VOICES[0])
    a2 = say("Could you pass me the report from last week please?", VOICES[0])
    b1 = say("The weather today is quite pleasant and warm.", VOICES[1])
    emb = encoder.embed([a1, a2, b1, a1[:3000]])
    assert emb.shape == (4, 256)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    same, other = float(emb[0] @ emb[1]), float(emb[0] @ emb[2])
    assert same > 0.85 and other < 0.8 and same - other > 0.1


def test_two_speakers_found_and_most_speech_given_to_the_right_one(encoder: SpeakerEncoder) -> None:
    conv = make_conversation(VOICES[:2], turns=8, seed=4)
    chunks: list[tuple[np.ndarray, np.ndarray]] = []
    result = diarize_audio(conv.samples, encoder, on_chunk=lambda w, e: chunks.append((w, e)))
    assert len({c for _, _, c in result.turns}) == 2
    assert speech_accuracy(conv.truth, result.turns) >= 0.85
    # with the count given (the same embeddings)
    done = (np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]))
    given = diarize_audio(conv.samples, encoder, speakers=2, done=done)
    assert speech_accuracy(conv.truth, given.turns) >= 0.85


def test_one_speaker_only_is_one_speaker(encoder: SpeakerEncoder) -> None:
    conv = make_conversation(VOICES[:1], turns=6, seed=9)
    result = diarize_audio(conv.samples, encoder)
    assert {c for _, _, c in result.turns} == {0}
    assert speech_accuracy(conv.truth, result.turns) >= 0.9


def test_music_only_gives_no_speaker_and_no_crash(encoder: SpeakerEncoder) -> None:
    t = np.arange(SR * 8) / SR
    notes = [220.0, 277.2, 329.6, 440.0]
    music = sum(0.15 * np.sin(2 * np.pi * f * t) * (np.sin(2 * np.pi * 0.5 * t * (i + 1)) > 0)
                for i, f in enumerate(notes))
    result = diarize_audio(np.asarray(music, np.float32), encoder)
    assert len({c for _, _, c in result.turns}) <= 1
    assert result.speech_ms < 2000  # music is not speech


def test_two_second_file_is_at_most_one_speaker(encoder: SpeakerEncoder) -> None:
    clip = say("Hello there, how are you?", VOICES[0])[: SR * 2]
    result = diarize_audio(clip, encoder)
    assert {c for _, _, c in result.turns} == {0}
    assert result.windows >= 1
    assert diarize_audio(np.zeros(SR * 2, np.float32), encoder).turns == ()


def test_resume_reuses_embeddings_already_made(encoder: SpeakerEncoder) -> None:
    conv = make_conversation(VOICES[:2], turns=4, seed=2)
    chunks: list[tuple[np.ndarray, np.ndarray]] = []
    first = diarize_audio(conv.samples, encoder, on_chunk=lambda w, e: chunks.append((w, e)))
    windows = np.concatenate([c[0] for c in chunks])
    emb = np.concatenate([c[1] for c in chunks])

    class Counting:
        name = encoder.name
        calls = 0

        def embed(self, clips: list[np.ndarray]) -> np.ndarray:
            Counting.calls += len(clips)
            return encoder.embed(clips)

    again = diarize_audio(conv.samples, Counting(), done=(windows[:-2], emb[:-2]))
    assert Counting.calls == 2  # only the windows not done before
    assert again.turns == first.turns
