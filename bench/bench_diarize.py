"""Diarization benchmark: conversations built from real TTS voices (espeak-ng voices, and the
piper joe / Kokoro voices when they are installed in the test model store), interleaved with
overlaps and short turns.

Reports per conversation the speaker count found (estimated, then given), the share of speech
time given to the right speaker, and the run time (VAD + embeddings + clustering) per minute
of audio. Needs the ``speaker-ge2e`` model (``taura models download speaker-ge2e``).

    python bench/bench_diarize.py [--model DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from taura_desktop.engines.speaker import open_encoder  # noqa: E402
from taura_desktop.pipeline.diarize import diarize_audio  # noqa: E402
from tests.convgen import SR, VOICES, make_conversation, say, speech_accuracy  # noqa: E402


def _test_models() -> Path:
    env = os.environ.get("TAURA_TEST_MODELS", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "taura" / "test-models"


def _synth(models: Path) -> tuple[Callable[[str, str], np.ndarray], list[str]]:
    """A synthesizer for "engine:voice" names, and the extra voices that are installed."""
    from taura_desktop.core.model import VoiceSpec
    from taura_desktop.engines.tts.base import SynthRequest, TtsEngine
    from taura_desktop.media.audio_io import resample

    engines: dict[str, TtsEngine] = {}
    extra: list[str] = []
    joe = models / "piper" / "en_US-joe-medium" / "en_US-joe-medium.onnx"
    if joe.is_file():
        from taura_desktop.engines.tts.piper import PiperEngine

        engines["piper"] = PiperEngine(joe, use_cuda=False)
        extra.append("piper:en_US-joe-medium")
    kokoro = models / "kokoro" / "kokoro-82m"
    if kokoro.is_dir():
        from taura_desktop.engines.tts.kokoro import KokoroEngine

        engines["kokoro"] = KokoroEngine(kokoro, use_cuda=False)
        extra += ["kokoro:jf_alpha", "kokoro:jm_kumo"]

    def synth(text: str, voice: str) -> np.ndarray:
        engine, _, name = voice.partition(":")
        if not name:
            return say(text, voice)
        eng = engines[engine]
        req = SynthRequest(text, "en", VoiceSpec(engine=engine, voice=name))
        res = eng.synthesize(req)
        return resample(res.samples, res.sample_rate, SR).astype(np.float32)

    return synth, extra


def _keep(chunks: list[tuple[np.ndarray, np.ndarray]], windows: np.ndarray, embeddings: np.ndarray) -> None:
    chunks.append((windows, embeddings))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=None, help="folder with pretrained.pt")
    ap.add_argument("--quick", action="store_true", help="fewer and shorter conversations")
    args = ap.parse_args(argv)
    models = _test_models()
    model = args.model or models / "speaker" / "speaker-ge2e"
    if not (Path(model) / "pretrained.pt").is_file():
        print(f"no GE2E weights in {model}; run `taura models download speaker-ge2e`", file=sys.stderr)
        return 4
    encoder = open_encoder(str(model))
    synth, extra = _synth(models)
    turns = 8 if args.quick else 14
    cases: list[tuple[str, tuple[str, ...], int]] = [
        ("espeak 2 voices", VOICES[:2], 1),
        ("espeak 2 voices", VOICES[:2], 2),
        ("espeak 2 voices", (VOICES[0], VOICES[2]), 3),
    ]
    if not args.quick:
        cases.append(("espeak 2 voices", (VOICES[1], VOICES[2]), 4))
    if "piper:en_US-joe-medium" in extra:
        cases.append(("piper joe + espeak f3", ("piper:en_US-joe-medium", VOICES[1]), 5))
    if "kokoro:jf_alpha" in extra:
        cases.append(("kokoro jf_alpha + jm_kumo", ("kokoro:jf_alpha", "kokoro:jm_kumo"), 6))
        if "piper:en_US-joe-medium" in extra:
            cases.append(("piper joe + kokoro jm_kumo", ("piper:en_US-joe-medium", "kokoro:jm_kumo"), 7))
    cases += [("espeak 3 voices", VOICES, 8), ("espeak 1 voice", VOICES[:1], 9)]
    if not args.quick:
        cases.append(("espeak 3 voices", VOICES, 10))

    print(f"{'conversation':30s} {'audio s':>7s} {'true':>4s} {'found':>5s} {'right %':>7s} "
          f"{'given %':>7s} {'s/min':>6s} {'cpu/min':>7s}", flush=True)
    rows = []
    for name, voices, seed in cases:
        conv = make_conversation(voices, turns=turns, seed=seed, synth=synth)
        chunks: list[tuple[np.ndarray, np.ndarray]] = []
        t0, c0 = time.perf_counter(), time.process_time()
        res = diarize_audio(conv.samples, encoder, on_chunk=partial(_keep, chunks))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        found = len({c for _, _, c in res.turns})
        acc = speech_accuracy(conv.truth, res.turns)
        done = (np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]))
        given = diarize_audio(conv.samples, encoder, speakers=conv.speakers, done=done)
        acc_given = speech_accuracy(conv.truth, given.turns)
        minutes = conv.duration_ms / 60000
        rows.append((conv.speakers, found, acc, elapsed / minutes, cpu / minutes))
        print(f"{name:30s} {conv.duration_ms / 1000:7.1f} {conv.speakers:4d} {found:5d} {acc * 100:7.1f} "
              f"{acc_given * 100:7.1f} {elapsed / minutes:6.1f} {cpu / minutes:6.1f}", flush=True)
    two = [r for r in rows if r[0] == 2]
    print()
    shares = [r[2] * 100 for r in two]
    print(f"two speakers: {sum(r[1] == 2 for r in two)}/{len(two)} counts right, "
          f"right share mean {np.mean(shares):.1f} % (min {min(shares):.1f} %)")
    print(f"all: speaker-count error mean {np.mean([abs(r[1] - r[0]) for r in rows]):.2f}, "
          f"run time {np.mean([r[3] for r in rows]):.1f} s per minute of audio "
          f"({np.mean([r[4] for r in rows]):.1f} CPU-s) "
          f"({os.cpu_count()} CPUs, torch threads {_threads()})")
    return 0


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


if __name__ == "__main__":
    sys.exit(main())
