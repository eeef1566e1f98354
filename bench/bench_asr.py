"""Speech-recognition job overhead: WhisperEngine vs the time spent inside the model.

    python bench/bench_asr.py [--minutes 10] [--model PATH] [--repeat 2]

Builds the tiny random-weight Whisper (tests/tiny/whisper.py) unless --model points to a real
model folder, generates N minutes of espeak-ng speech with pauses, then measures:
  * engine total: WhisperEngine.transcribe + iterating every segment (VAD, guards, progress);
  * inside the model: CTranslate2 calls (encode/generate/detect_language/align) + mel features;
  * bare faster-whisper: WhisperModel.transcribe(vad_filter=True, same settings) iterated.
Overhead % = engine time outside the model / engine total (target < 5 %), and engine vs bare.
With CUDA present: batched vs sequential ratio. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.device import cuda_available
from taura_desktop.engines.asr import AsrOptions, WhisperEngine
from taura_desktop.engines.asr import whisper as whisper_mod

SR = 16000
SENTENCES = (
    "The committee will publish its final report on the river project next spring.",
    "Please remember to bring your passport and a printed copy of the ticket.",
    "Most of the old town was rebuilt after the great fire of eighteen twelve.",
    "She tuned the violin twice before the concert finally began.",
)


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1

        return timed


class TimedCt2:
    """Proxy over ctranslate2.models.Whisper that times the compute calls."""

    METHODS = ("encode", "generate", "detect_language", "align")

    def __init__(self, inner: Any, timer: Timer) -> None:
        self._inner = inner
        self._timer = timer

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        return self._timer.wrap(attr) if name in self.METHODS else attr


class TimedFeatures:
    def __init__(self, inner: Any, timer: Timer) -> None:
        self._inner = inner
        self._timer = timer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._timer.wrap(self._inner)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def make_audio(minutes: float, work: Path) -> np.ndarray:
    from faster_whisper import decode_audio

    clips = []
    for i, text in enumerate(SENTENCES):
        wav = work / f"s{i}.wav"
        subprocess.run(["espeak-ng", "-v", "en", "-w", str(wav), text], check=True, capture_output=True)
        clips.append(np.asarray(decode_audio(str(wav), sampling_rate=SR), dtype=np.float32))
    rng = np.random.default_rng(0)
    parts: list[np.ndarray] = []
    total = 0
    target = int(minutes * 60 * SR)
    i = 0
    while total < target:
        clip = clips[i % len(clips)]
        pause = np.zeros(int(rng.uniform(0.3, 2.5) * SR), dtype=np.float32)
        parts += [clip, pause]
        total += clip.size + pause.size
        i += 1
    return np.concatenate(parts)[:target]


def run_engine(engine: WhisperEngine, audio: np.ndarray, opts: AsrOptions) -> dict[str, float]:
    model_t, feat_t, vad_t = Timer(), Timer(), Timer()
    fw = engine._model
    real_ct2, real_feats = fw.model, fw.feature_extractor
    real_vad = whisper_mod.speech_regions
    fw.model = TimedCt2(real_ct2, model_t)
    fw.feature_extractor = TimedFeatures(real_feats, feat_t)
    whisper_mod.speech_regions = vad_t.wrap(real_vad)
    try:
        t0 = time.perf_counter()
        _info, it = engine.transcribe(audio, opts, progress=lambda d, t: None, cancel=lambda: False)
        n = sum(1 for _ in it)
        total = time.perf_counter() - t0
    finally:
        fw.model, fw.feature_extractor = real_ct2, real_feats
        whisper_mod.speech_regions = real_vad
    return {
        "total": total,
        "model": model_t.seconds,
        "features": feat_t.seconds,
        "vad": vad_t.seconds,
        "segments": float(n),
        "ct2_calls": float(model_t.calls),
    }


def run_bare(engine: WhisperEngine, audio: np.ndarray, opts: AsrOptions) -> dict[str, float]:
    """faster-whisper's own VAD + transcribe loop with the same settings, timed the same way."""
    from faster_whisper.vad import VadOptions

    model_t, feat_t = Timer(), Timer()
    fw = engine._model
    real_ct2, real_feats = fw.model, fw.feature_extractor
    fw.model = TimedCt2(real_ct2, model_t)
    fw.feature_extractor = TimedFeatures(real_feats, feat_t)
    vad = VadOptions(
        threshold=opts.vad_threshold,
        min_silence_duration_ms=opts.vad_min_silence_ms,
        speech_pad_ms=opts.vad_speech_pad_ms,
        max_speech_duration_s=30.0,
    )
    try:
        t0 = time.perf_counter()
        segments, _info = fw.transcribe(
            audio,
            beam_size=opts.beam_size,
            temperature=list(opts.temperature),
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=True,
            vad_parameters=vad,
        )
        n = sum(1 for _ in segments)
        total = time.perf_counter() - t0
    finally:
        fw.model, fw.feature_extractor = real_ct2, real_feats
    return {"total": total, "model": model_t.seconds, "features": feat_t.seconds, "segments": float(n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--model", type=Path, default=None, help="real model folder (default: tiny model)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-asr-") as tmp:
        work = Path(tmp)
        if args.model is None:
            from tests.tiny.whisper import build_tiny_whisper

            model_dir = build_tiny_whisper(work / "tiny-whisper")
            opts = AsrOptions(beam_size=1, temperature=(0.0,), batched=False)
            label = "tiny random-weight model (beam 1, temperature 0)"
        else:
            model_dir = args.model
            opts = AsrOptions(batched=False)
            label = str(model_dir)
        t0 = time.perf_counter()
        audio = make_audio(args.minutes, work)
        print(
            f"audio: {audio.size / SR / 60:.1f} min of espeak-ng speech with pauses "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        t0 = time.perf_counter()
        engine = WhisperEngine(model_dir, device="cpu")
        print(
            f"model: {label}; load {time.perf_counter() - t0:.2f} s on {engine.device}/{engine.compute_type}"
        )

        ours: list[dict[str, float]] = []
        bare: list[dict[str, float]] = []
        for _ in range(args.repeat):  # interleaved, best of N (the machine is shared)
            ours.append(run_engine(engine, audio, opts))
            bare.append(run_bare(engine, audio, opts))
        best = min(ours, key=lambda r: r["total"])
        inside = best["model"] + best["features"]
        outside = best["total"] - inside
        print(
            f"engine total           {best['total']:8.2f} s  ({int(best['segments'])} segments, "
            f"{int(best['ct2_calls'])} CTranslate2 calls)"
        )
        print(f"  inside CTranslate2   {best['model']:8.2f} s")
        print(f"  mel features         {best['features']:8.2f} s")
        print(f"  Silero VAD           {best['vad']:8.2f} s")
        print(f"  everything else      {outside - best['vad']:8.2f} s  (faster-whisper python + our guards)")
        print(
            f"overhead outside the model call (VAD + python): {100 * outside / best['total']:.1f} % "
            f"of total (target < 5 %)"
        )
        print(f"overhead excluding VAD: {100 * (outside - best['vad']) / best['total']:.1f} %")
        b = min(bare, key=lambda r: r["total"])
        b_outside = b["total"] - b["model"] - b["features"]
        print(
            f"bare faster-whisper loop {b['total']:8.2f} s ({int(b['segments'])} segments; "
            f"outside the model {b_outside:.2f} s = {100 * b_outside / b['total']:.1f} %, VAD included)"
        )
        print(
            f"engine time outside the model vs bare: {outside:.2f} s vs {b_outside:.2f} s "
            f"({outside - b_outside:+.2f} s); totals differ also because random weights decode differently"
        )
        print(f"real-time factor (engine): {best['total'] / (audio.size / SR):.4f}")

        if cuda_available():
            gpu = WhisperEngine(model_dir, device="cuda")
            if gpu.device != "cuda":
                print(f"CUDA present but unusable: {gpu.warnings}")
                return
            timings = {}
            for batched in (False, True):
                o = AsrOptions(beam_size=opts.beam_size, temperature=opts.temperature, batched=batched)
                timings[batched] = min(run_engine(gpu, audio, o)["total"] for _ in range(args.repeat))
            print(
                f"GPU sequential {timings[False]:.2f} s, batched {timings[True]:.2f} s -> "
                f"batched speed-up x{timings[False] / timings[True]:.2f}"
            )
        else:
            print("GPU: no CUDA device here - batched vs sequential comparison skipped")


if __name__ == "__main__":
    main()
