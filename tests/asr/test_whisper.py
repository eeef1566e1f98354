"""WhisperEngine on a tiny random-weight model: real loading, VAD, decoding, word alignment.

Output text is random: these tests assert structure only.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from taura_desktop.engines.asr import AsrEngine, AsrInfo, AsrOptions, AsrSegment, WhisperEngine
from taura_desktop.errors import CancelledError, EngineUnavailableError, ExitCode, UsageError
from tests.asr.conftest import SR, silence

FAST = AsrOptions(beam_size=1, temperature=(0.0,))


def check_structure(info: AsrInfo, segments: list[AsrSegment], audio: np.ndarray, opts: AsrOptions) -> None:
    duration_ms = len(audio) * 1000 // SR
    assert info.duration_ms == duration_ms
    assert info.device == "cpu" and info.compute_type == "int8"
    assert segments, "the tiny model always emits something over speech"
    previous_end = 0
    for seg in segments:
        assert isinstance(seg, AsrSegment) and isinstance(seg.text, str) and seg.text == seg.text.strip()
        assert seg.text
        assert previous_end <= seg.start_ms < seg.end_ms <= duration_ms
        previous_end = seg.end_ms
        cursor = seg.start_ms
        for w in seg.words:
            assert seg.start_ms <= cursor <= w.start_ms <= w.end_ms <= seg.end_ms
            assert 0.0 <= w.probability <= 1.0
            cursor = w.end_ms
        assert set(seg.flags) <= {"low_confidence", "repetition", "high_compression"}
    if info.speech_regions is not None:  # never text over silence
        tol = opts.vad_word_tolerance_ms
        for seg in segments:
            assert any(seg.start_ms < e + tol and seg.end_ms > s - tol for s, e in info.speech_regions)
            for w in seg.words:
                assert any(s - tol <= w.start_ms and w.end_ms <= e + tol for s, e in info.speech_regions)


def run(
    engine: WhisperEngine, audio: np.ndarray, opts: AsrOptions
) -> tuple[AsrInfo, list[AsrSegment], list[Any]]:
    calls: list[tuple[int, int]] = []
    info, it = engine.transcribe(audio, opts, progress=lambda d, t: calls.append((d, t)))
    return info, list(it), calls


def check_progress(calls: list[tuple[int, int]], duration_ms: int) -> None:
    assert calls and calls[-1] == (duration_ms, duration_ms)
    done = [d for d, _ in calls]
    assert done == sorted(done) and all(t == duration_ms for _, t in calls)


def test_engine_satisfies_protocol(tiny_engine: WhisperEngine) -> None:
    assert isinstance(tiny_engine, AsrEngine)
    assert tiny_engine.is_multilingual and "en" in tiny_engine.supported_languages


def test_sequential_transcription_structure(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    info, segments, calls = run(tiny_engine, speech_audio, FAST)
    assert info.batched is False and info.warnings == ()
    assert info.speech_regions and len(info.speech_regions) == 2
    check_structure(info, segments, speech_audio, FAST)
    check_progress(calls, info.duration_ms)


def test_batched_pipeline_on_cpu(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    opts = AsrOptions(beam_size=1, temperature=(0.0,), batched=True, batch_size=2)
    info, segments, calls = run(tiny_engine, speech_audio, opts)
    assert info.batched is True
    check_structure(info, segments, speech_audio, opts)
    check_progress(calls, info.duration_ms)


def test_long_audio_batched_spans_several_windows(
    tiny_engine: WhisperEngine, speech_clip: np.ndarray
) -> None:
    audio = np.concatenate([np.concatenate([speech_clip, silence(1.5)]) for _ in range(14)])  # ~72 s
    opts = AsrOptions(beam_size=1, temperature=(0.0,), batched=True, batch_size=4)
    info, segments, calls = run(tiny_engine, audio, opts)
    check_structure(info, segments, audio, opts)
    check_progress(calls, info.duration_ms)
    assert segments[-1].end_ms > 30_000


def test_without_vad(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    opts = AsrOptions(beam_size=1, temperature=(0.0,), vad=False)
    info, segments, calls = run(tiny_engine, speech_audio, opts)
    assert info.speech_regions is None
    check_structure(info, segments, speech_audio, opts)
    check_progress(calls, info.duration_ms)


def test_language_detection_gives_code_and_probability(
    tiny_engine: WhisperEngine, speech_audio: np.ndarray
) -> None:
    info, _ = tiny_engine.transcribe(speech_audio, FAST)
    assert info.language in tiny_engine.supported_languages
    assert 0.0 < info.language_probability <= 1.0
    lang, prob = tiny_engine.detect_language(speech_audio)
    assert lang in tiny_engine.supported_languages and 0.0 < prob <= 1.0


def test_given_language_and_translate_task(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    opts = AsrOptions(
        language="de", task="translate", beam_size=1, temperature=(0.0,), hotwords="Taura, Kyiv."
    )
    info, segments, _ = run(tiny_engine, speech_audio, opts)
    assert (info.language, info.language_probability) == ("de", 1.0)
    check_structure(info, segments, speech_audio, opts)


def test_int16_audio_is_accepted(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    pcm16 = (speech_audio * 32767).astype(np.int16)
    info, segments, _ = run(tiny_engine, pcm16, FAST)
    check_structure(info, segments, speech_audio, FAST)


def test_silence_gives_no_segments_and_a_warning(tiny_engine: WhisperEngine) -> None:
    audio = silence(4.0)
    info, segments, calls = run(tiny_engine, audio, FAST)
    assert segments == [] and info.speech_regions == ()
    assert info.language == "und" and "no speech found in the audio" in info.warnings
    assert calls == [(4000, 4000)]
    info, segments, _ = run(tiny_engine, np.zeros(0, dtype=np.float32), FAST)
    assert segments == [] and info.duration_ms == 0


def test_cancel_between_segments(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    seen: list[AsrSegment] = []
    state = {"stop": False}
    _info, it = tiny_engine.transcribe(speech_audio, FAST, cancel=lambda: state["stop"])
    with pytest.raises(CancelledError) as exc:
        for seg in it:
            seen.append(seg)
            state["stop"] = True
    assert len(seen) == 1
    assert exc.value.exit_code == ExitCode.CANCELLED


def test_cancel_before_start(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    with pytest.raises(CancelledError):
        tiny_engine.transcribe(speech_audio, FAST, cancel=lambda: True)


def test_unknown_language_is_a_usage_error(tiny_engine: WhisperEngine, speech_audio: np.ndarray) -> None:
    with pytest.raises(UsageError, match="unknown language code 'xx'"):
        tiny_engine.transcribe(speech_audio, AsrOptions(language="xx"))


def test_stereo_audio_is_rejected_with_one_line(tiny_engine: WhisperEngine) -> None:
    with pytest.raises(ValueError, match="mono") as exc:
        tiny_engine.transcribe(np.zeros((2, 1000), dtype=np.float32), FAST)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("missing", ["model.bin", "tokenizer.json", "config.json", "<folder>"])
def test_missing_model_says_how_to_get_it(tmp_path: Path, tiny_whisper_dir: Path, missing: str) -> None:
    target = tmp_path / "whisper" / "small"
    if missing != "<folder>":
        shutil.copytree(tiny_whisper_dir, target)
        (target / missing).unlink()
    with pytest.raises(EngineUnavailableError) as exc:
        WhisperEngine(target, device="cpu")
    msg = str(exc.value)
    assert exc.value.exit_code == ExitCode.ENGINE_UNAVAILABLE and int(exc.value.exit_code) == 4
    assert "\n" not in msg and str(target) in msg
    assert "taura models download whisper-small" in msg and "taura models import PATH" in msg


def test_corrupt_model_is_engine_unavailable(tmp_path: Path, tiny_whisper_dir: Path) -> None:
    target = tmp_path / "broken"
    shutil.copytree(tiny_whisper_dir, target)
    (target / "model.bin").write_bytes(b"not a model")
    with pytest.raises(EngineUnavailableError, match="cannot be loaded") as exc:
        WhisperEngine(target, device="cpu")
    assert "\n" not in str(exc.value)


def test_closed_engine_refuses_work(tiny_whisper_dir: Path) -> None:
    engine = WhisperEngine(tiny_whisper_dir, device="cpu")
    engine.close()
    with pytest.raises(EngineUnavailableError, match="closed"):
        engine.transcribe(silence(1.0), FAST)


# ---------------------------------------------------------------- GPU fallback


def _fake_gpu_model(
    monkeypatch: pytest.MonkeyPatch, fail_at_load: str | None, fail_on_encode: int | None
) -> list[str]:
    """Pretend CTranslate2 sees a GPU; "cuda" models fail at load or at the N-th encode."""
    import ctranslate2
    import faster_whisper

    real = faster_whisper.WhisperModel
    devices: list[str] = []

    class FakeWhisperModel(real):  # type: ignore[misc, valid-type]
        def __init__(self, path: str, device: str = "auto", compute_type: str = "default", **kw: Any) -> None:
            devices.append(device)
            self._fake_cuda = device == "cuda"
            self._encodes = 0
            if self._fake_cuda and fail_at_load:
                raise RuntimeError(fail_at_load)
            super().__init__(path, device="cpu", compute_type="int8", **kw)

        def encode(self, features: Any) -> Any:
            self._encodes += 1
            if self._fake_cuda and fail_on_encode is not None and self._encodes >= fail_on_encode:
                raise RuntimeError("CUDA failed with error out of memory")
            return super().encode(features)

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(faster_whisper, "WhisperModel", FakeWhisperModel)
    return devices


def _gpu_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "GPU" in r.getMessage()]


@pytest.mark.parametrize(
    "error",
    [
        "Library libcudnn_ops.so.9 is not found or cannot be loaded",
        "Library libcublas.so.12 is not found or cannot be loaded",
        "CUDA failed with error out of memory",
    ],
)
def test_gpu_failing_at_load_falls_back_to_cpu_with_one_warning(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tiny_whisper_dir: Path,
    speech_audio: np.ndarray,
    error: str,
) -> None:
    devices = _fake_gpu_model(monkeypatch, fail_at_load=error, fail_on_encode=None)
    with caplog.at_level(logging.WARNING):
        engine = WhisperEngine(tiny_whisper_dir)  # device="auto" picks the (fake) GPU first
        info, segments, _ = run(engine, speech_audio, FAST)
        info2, _, _ = run(engine, speech_audio, FAST)  # reused engine: no second attempt
    assert devices == ["cuda", "cpu"]
    assert engine.device == "cpu" and info.device == "cpu" and info.batched is False
    assert len(engine.warnings) == 1 and error in engine.warnings[0] and "CPU" in engine.warnings[0]
    assert info.warnings == engine.warnings == info2.warnings
    assert len(_gpu_warnings(caplog)) == 1
    check_structure(info, segments, speech_audio, FAST)


def test_gpu_failing_at_probe_falls_back(
    monkeypatch: pytest.MonkeyPatch, tiny_whisper_dir: Path, speech_audio: np.ndarray
) -> None:
    devices = _fake_gpu_model(monkeypatch, fail_at_load=None, fail_on_encode=1)
    engine = WhisperEngine(tiny_whisper_dir, device="cuda")
    assert devices == ["cuda", "cpu"] and engine.device == "cpu" and len(engine.warnings) == 1


def test_gpu_failing_at_language_detection_falls_back_before_info(
    monkeypatch: pytest.MonkeyPatch, tiny_whisper_dir: Path, speech_audio: np.ndarray
) -> None:
    _fake_gpu_model(monkeypatch, fail_at_load=None, fail_on_encode=2)  # probe ok, detection fails
    engine = WhisperEngine(tiny_whisper_dir)
    assert engine.device == "cuda" and engine.compute_type == "float16"
    info, segments, calls = run(engine, speech_audio, FAST)
    assert info.device == "cpu" and len(info.warnings) == 1 and "out of memory" in info.warnings[0]
    check_structure(info, segments, speech_audio, FAST)
    check_progress(calls, info.duration_ms)


def test_gpu_failing_mid_stream_restarts_on_cpu(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tiny_whisper_dir: Path,
    speech_clip: np.ndarray,
) -> None:
    audio = np.concatenate([np.concatenate([speech_clip, silence(1.5)]) for _ in range(14)])  # ~72 s
    _fake_gpu_model(monkeypatch, fail_at_load=None, fail_on_encode=3)
    engine = WhisperEngine(tiny_whisper_dir)
    opts = AsrOptions(language="en", beam_size=1, temperature=(0.0,), batched=False)
    with caplog.at_level(logging.WARNING):
        info, segments, calls = run(engine, audio, opts)
    assert info.device == "cuda" and info.warnings == ()  # the failure came later
    assert engine.device == "cpu" and len(engine.warnings) == 1
    assert len(_gpu_warnings(caplog)) == 1
    assert segments
    previous_end = 0
    for seg in segments:
        assert previous_end <= seg.start_ms < seg.end_ms <= info.duration_ms
        previous_end = seg.end_ms
    check_progress(calls, info.duration_ms)
