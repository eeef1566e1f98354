"""faster-whisper engine: local CTranslate2 Whisper models, Silero VAD, hallucination guards.

The model is loaded once (the worker process reuses the engine across jobs). Device "auto"
picks CUDA float16 with the batched pipeline when CTranslate2 sees a GPU, CPU int8 otherwise.
A GPU that fails (missing cuDNN/cuBLAS, out of memory) at load or during inference falls back
to CPU int8 with ONE warning (logged, in ``AsrInfo.warnings`` and ``engine.warnings``).
Note: a cuDNN that aborts the process (a native crash) cannot be caught here; the worker
process isolation handles that case.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taura_desktop.core.model import Word
from taura_desktop.device import cuda_available
from taura_desktop.engines.asr.base import (
    SAMPLE_RATE,
    AsrInfo,
    AsrOptions,
    AsrSegment,
    CancelFn,
    Device,
    ProgressFn,
)
from taura_desktop.engines.asr.guards import apply_guards
from taura_desktop.engines.asr.vad import Region, speech_regions
from taura_desktop.errors import CancelledError, EngineUnavailableError, UsageError, first_line

log = logging.getLogger(__name__)

REQUIRED_FILES: tuple[str, ...] = ("model.bin", "config.json", "tokenizer.json")
WINDOW_S = 30.0  # Whisper's window; VAD regions are cut to fit it


def _prepare_audio(audio: np.ndarray) -> np.ndarray:
    arr = np.asarray(audio)
    if arr.ndim != 1:
        raise ValueError(f"whisper: audio must be 16 kHz mono (a 1-D array), got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        scale = float(np.iinfo(arr.dtype).max) + 1.0
        arr = arr.astype(np.float32) / scale
    elif arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    if arr.size and not np.isfinite(arr).all():
        arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.ascontiguousarray(arr)


def _to_ms(seconds: float) -> int:
    return round(float(seconds) * 1000.0)


def convert_segment(fw_segment: Any) -> AsrSegment:
    """faster_whisper Segment (seconds) -> AsrSegment (ms, core Words)."""
    words = tuple(
        Word(_to_ms(w.start), _to_ms(w.end), str(w.word), float(w.probability))
        for w in (fw_segment.words or ())
    )
    return AsrSegment(
        start_ms=_to_ms(fw_segment.start),
        end_ms=_to_ms(fw_segment.end),
        text=str(fw_segment.text).strip(),
        words=words,
        avg_logprob=float(fw_segment.avg_logprob),
        no_speech_prob=float(fw_segment.no_speech_prob),
        compression_ratio=float(fw_segment.compression_ratio),
    )


class _Progress:
    def __init__(self, fn: ProgressFn | None, total_ms: int) -> None:
        self._fn = fn
        self._total = total_ms
        self._done = -1

    def report(self, done_ms: int) -> None:
        done = min(max(done_ms, 0), self._total)
        if self._fn is not None and done > self._done:
            self._done = done
            self._fn(done, self._total)


def _check_cancel(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("transcription cancelled")


class WhisperEngine:
    """Speech recognition with a local faster-whisper (CTranslate2) model folder."""

    def __init__(
        self,
        model_dir: Path,
        device: Device = "auto",
        compute_type: str | None = None,
        cpu_threads: int = 0,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.name = self.model_dir.name
        self._cpu_threads = cpu_threads
        self._warnings: list[str] = []
        self._gpu_broken = False
        self._model: Any = None
        self._device = "cpu"
        self._compute_type = "int8"
        missing = [f for f in REQUIRED_FILES if not (self.model_dir / f).is_file()]
        if missing:
            raise EngineUnavailableError(
                f"whisper model '{self.name}' is missing or incomplete at {self.model_dir} "
                f"(no {', '.join(missing)}); get it with `taura models download whisper-{self.name}` "
                "on a connected machine, or `taura models import PATH`"
            )
        if device not in ("auto", "cpu", "cuda"):
            raise UsageError(f"whisper: device must be auto, cpu or cuda, not {device!r}")
        self._load(device, compute_type)

    # ----------------------------------------------------------------- properties
    @property
    def device(self) -> str:
        return self._device

    @property
    def compute_type(self) -> str:
        return self._compute_type

    @property
    def warnings(self) -> tuple[str, ...]:
        """Engine-level warnings so far (the GPU fallback, at most once)."""
        return tuple(self._warnings)

    @property
    def is_multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    @property
    def supported_languages(self) -> list[str]:
        return list(self._model.supported_languages)

    # ----------------------------------------------------------------- loading
    def _open(self, device: str, compute_type: str) -> Any:
        from faster_whisper import WhisperModel
        from faster_whisper.feature_extractor import FeatureExtractor

        model = WhisperModel(
            str(self.model_dir),
            device=device,
            compute_type=compute_type,
            cpu_threads=self._cpu_threads,
            local_files_only=True,
        )
        n_mels = int(model.model.n_mels)
        if model.feature_extractor.mel_filters.shape[0] != n_mels:
            # e.g. large-v3 (128 mels) shipped without preprocessor_config.json
            kwargs = {**getattr(model, "feat_kwargs", {}), "feature_size": n_mels}
            model.feature_extractor = FeatureExtractor(**kwargs)
        return model

    def _probe(self) -> None:
        """One encoder pass so that missing cuDNN/cuBLAS or OOM shows up at load time."""
        n_mels = int(self._model.model.n_mels)
        self._model.encode(np.zeros((n_mels, 3000), dtype=np.float32))

    def _load(self, device: Device, compute_type: str | None) -> None:
        self._model = None
        gc.collect()
        want_cuda = not self._gpu_broken and (device == "cuda" or (device == "auto" and cuda_available()))
        if want_cuda:
            ct = compute_type or "float16"
            try:
                self._model = self._open("cuda", ct)
                self._probe()
            except Exception as err:  # any GPU trouble: fall back, never fail
                self._gpu_failed(err)
            else:
                self._device, self._compute_type = "cuda", ct
                return
            compute_type = None
        ct = compute_type or "int8"
        try:
            self._model = self._open("cpu", ct)
        except (RuntimeError, ValueError, OSError) as err:
            raise EngineUnavailableError(
                f"whisper model '{self.name}' at {self.model_dir} cannot be loaded on cpu/{ct}: "
                f"{first_line(err)}; re-import it with `taura models import PATH` or "
                f"`taura models download whisper-{self.name}`"
            ) from err
        self._device, self._compute_type = "cpu", ct

    def _gpu_failed(self, err: BaseException) -> None:
        self._gpu_broken = True
        self._model = None
        gc.collect()
        msg = f"GPU unusable for whisper ({first_line(err)}); using CPU int8 instead (slower)"
        log.warning(msg)
        if msg not in self._warnings:
            self._warnings.append(msg)

    def _fall_back_to_cpu(self, err: BaseException) -> None:
        self._gpu_failed(err)
        self._load("cpu", None)

    def _ensure_device(self, options: AsrOptions) -> None:
        if options.device == "auto" and options.compute_type is None:
            return
        target = self._device if options.device == "auto" else options.device
        if target == "cuda" and self._gpu_broken:
            return
        ct = options.compute_type or ("float16" if target == "cuda" else "int8")
        if (target, ct) != (self._device, self._compute_type):
            self._load(target, ct)  # type: ignore[arg-type]

    def close(self) -> None:
        """Release the model (GPU memory) now."""
        self._model = None
        gc.collect()

    # ----------------------------------------------------------------- inference
    def _batched(self, options: AsrOptions) -> bool:
        return options.batched if options.batched is not None else self._device == "cuda"

    def _start(
        self,
        audio: np.ndarray,
        regions: Sequence[Region] | None,
        options: AsrOptions,
        language: str | None,
    ) -> tuple[Iterator[Any], str, float]:
        """Start faster-whisper (eager part: features + language detection)."""
        from faster_whisper import BatchedInferencePipeline
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import collect_chunks

        batched = self._batched(options)
        kwargs: dict[str, Any] = {
            "language": language,
            "task": options.task,
            "beam_size": options.beam_size,
            "best_of": options.best_of,
            "patience": options.patience,
            "temperature": list(options.temperature),
            "compression_ratio_threshold": options.compression_ratio_threshold,
            "log_prob_threshold": options.log_prob_threshold,
            "no_speech_threshold": options.no_speech_threshold,
            "initial_prompt": options.initial_prompt or None,
            "hotwords": options.hotwords or None,
            "suppress_blank": options.suppress_blank,
            "repetition_penalty": options.repetition_penalty,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
            "word_timestamps": True,
            "without_timestamps": False,
            "vad_filter": False,  # done once by speech_regions(), shared with the guards
            "language_detection_threshold": options.language_detection_threshold,
            "language_detection_segments": options.language_detection_segments,
        }
        chunks: list[dict[str, int]] | None = None
        pcm = audio
        meta: list[dict[str, Any]] = []
        if regions is not None:
            chunks = [{"start": s * SAMPLE_RATE // 1000, "end": e * SAMPLE_RATE // 1000} for s, e in regions]
            pieces, meta = collect_chunks(
                audio, chunks, sampling_rate=SAMPLE_RATE, max_duration=WINDOW_S if batched else math.inf
            )
            pcm = np.concatenate(pieces).astype(np.float32, copy=False)
        if batched:
            if chunks is not None:
                clips = [{"start": m["offset"], "end": m["offset"] + m["duration"]} for m in meta]
            else:
                total = pcm.shape[0] / SAMPLE_RATE
                clips = [
                    {"start": t, "end": min(t + WINDOW_S, total)}
                    for t in np.arange(0.0, total, WINDOW_S).tolist()
                ]
            segments, info = BatchedInferencePipeline(self._model).transcribe(
                pcm, clip_timestamps=clips, batch_size=options.batch_size, **kwargs
            )
        else:
            segments, info = self._model.transcribe(
                pcm,
                condition_on_previous_text=options.condition_on_previous_text,
                hallucination_silence_threshold=options.hallucination_silence_threshold,
                **kwargs,
            )
        if chunks is not None:
            segments = restore_speech_timestamps(segments, chunks, SAMPLE_RATE)
        return iter(segments), str(info.language), float(info.language_probability)

    def transcribe(
        self,
        audio: np.ndarray,
        options: AsrOptions | None = None,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> tuple[AsrInfo, Iterator[AsrSegment]]:
        """See :class:`taura_desktop.engines.asr.base.AsrEngine`."""
        options = options or AsrOptions()
        pcm = _prepare_audio(audio)
        if self._model is None:
            raise EngineUnavailableError(f"whisper model '{self.name}' was closed; create a new engine")
        self._ensure_device(options)
        _check_cancel(cancel)
        duration_ms = pcm.shape[0] * 1000 // SAMPLE_RATE
        language = options.language
        call_warnings: list[str] = []
        if language is not None:
            from faster_whisper.tokenizer import _LANGUAGE_CODES

            if language not in _LANGUAGE_CODES:
                raise UsageError(f"whisper: unknown language code {language!r}")
            if language != "en" and not self.is_multilingual:
                call_warnings.append(f"whisper model '{self.name}' is English-only; transcribing as English")
                language = "en"

        regions: list[Region] | None = None
        if options.vad:
            regions = speech_regions(
                pcm,
                threshold=options.vad_threshold,
                min_silence_ms=options.vad_min_silence_ms,
                speech_pad_ms=options.vad_speech_pad_ms,
                min_speech_ms=options.vad_min_speech_ms,
                max_speech_s=WINDOW_S,
            )
        _check_cancel(cancel)

        if pcm.shape[0] == 0 or regions == []:
            call_warnings.append("no speech found in the audio")
            info = self._info(
                language or "und", 1.0 if language else 0.0, duration_ms, options, regions, call_warnings
            )
            return info, self._empty(duration_ms, progress)

        try:
            raw, language, probability = self._start(pcm, regions, options, language)
        except Exception as err:
            if self._device != "cuda":
                raise
            self._fall_back_to_cpu(err)
            raw, language, probability = self._start(pcm, regions, options, language)
        if options.language is None:
            log.info("whisper: detected language %s (p=%.2f)", language, probability)
        info = self._info(language, probability, duration_ms, options, regions, call_warnings)
        stream = self._stream(pcm, regions, options, language, raw, duration_ms, progress, cancel)
        return info, stream

    def detect_language(self, audio: np.ndarray, options: AsrOptions | None = None) -> tuple[str, float]:
        """(language code, probability) from the first speech of ``audio``; ("und", 0.0) if none."""
        options = options or AsrOptions()
        pcm = _prepare_audio(audio)
        if options.vad:
            regions = speech_regions(pcm, threshold=options.vad_threshold, max_speech_s=WINDOW_S)
            if not regions:
                return "und", 0.0
            pcm = np.concatenate([pcm[s * SAMPLE_RATE // 1000 : e * SAMPLE_RATE // 1000] for s, e in regions])
        if pcm.shape[0] == 0:
            return "und", 0.0
        lang, prob, _ = self._model.detect_language(
            audio=pcm,
            language_detection_segments=options.language_detection_segments,
            language_detection_threshold=options.language_detection_threshold,
        )
        return str(lang), float(prob)

    def _info(
        self,
        language: str,
        probability: float,
        duration_ms: int,
        options: AsrOptions,
        regions: Sequence[Region] | None,
        call_warnings: Sequence[str],
    ) -> AsrInfo:
        return AsrInfo(
            language=language,
            language_probability=probability,
            duration_ms=duration_ms,
            device=self._device,
            compute_type=self._compute_type,
            batched=self._batched(options),
            warnings=(*self._warnings, *call_warnings),
            speech_regions=tuple(regions) if regions is not None else None,
        )

    @staticmethod
    def _empty(duration_ms: int, progress: ProgressFn | None) -> Iterator[AsrSegment]:
        _Progress(progress, duration_ms).report(duration_ms)
        yield from ()

    def _stream(
        self,
        pcm: np.ndarray,
        regions: Sequence[Region] | None,
        options: AsrOptions,
        language: str,
        raw: Iterator[Any],
        duration_ms: int,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> Iterator[AsrSegment]:
        reporter = _Progress(progress, duration_ms)

        def raw_segments() -> Iterator[AsrSegment]:
            it = raw
            resume_after = -1
            last_end = -1
            while True:
                _check_cancel(cancel)
                try:
                    fw_segment = next(it)
                except StopIteration:
                    return
                except Exception as err:
                    if self._device != "cuda":
                        raise
                    self._fall_back_to_cpu(err)  # restart on CPU, skip what was already given
                    it, _, _ = self._start(pcm, regions, options, language)
                    resume_after = last_end
                    continue
                seg = convert_segment(fw_segment)
                if seg.end_ms <= resume_after:
                    continue
                last_end = max(last_end, seg.end_ms)
                reporter.report(seg.end_ms)
                yield seg

        yield from apply_guards(raw_segments(), options, regions, duration_ms)
        reporter.report(duration_ms)
