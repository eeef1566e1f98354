"""Voices benchmark: espeak-ng vs piper (en_US-joe-medium) vs Kokoro-82M on the demo's lines.

    python bench/bench_tts.py [--models DIR] [--lines N] [--json OUT]

The demo's lines: the sample video's English subtitles (their cue times are the slots) and their
Spanish translation by apertium, as ``./setup.sh demo`` makes them. For each language and each
engine that speaks it (Spanish: espeak, kokoro; English: espeak, piper, kokoro), in a child
process of its own (clean memory figures):
  * speed: seconds of speech per second of synthesis (wall and per CPU-second), every line in one
    batch through the engine, clips trimmed as the voice stage does;
  * re-voicing one segment: ``voice_segment`` on a new line with the engine loaded (synthesis,
    trim, loudness, fit), median of 3, wall and CPU seconds;
  * memory: peak RSS of the child, and its growth from loading the engine and synthesizing;
  * fitting: how many lines fit as they are, use the gap after them, need time compression, or
    overflow at the 1.25x cap (the natural durations differ per engine).
Then intelligibility: Whisper base transcribes each dubbed line back; WER per engine (accents,
case and punctuation ignored). Models come from ``--models`` (a model store; default the test
store ``$TAURA_TEST_MODELS`` or ``~/.cache/taura/test-models``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.core.model import FitStatus, VoiceSpec
from taura_desktop.dub.fit import FitCaps, fit_with_caps

if TYPE_CHECKING:
    from taura_desktop.engines.tts.base import TtsEngine

ENGINES = {"es": ("espeak", "kokoro"), "en": ("espeak", "piper", "kokoro")}
MODEL_OF = {"piper": ("piper", "en_US-joe-medium"), "kokoro": ("kokoro", "kokoro-82m")}
EXTRA_LINES = {
    "en": ["Please check the second line again.", "This one was changed by hand.",
           "We will meet again tomorrow morning."],
    "es": ["Por favor, revisa otra vez la segunda línea.", "Esta frase se cambió a mano.",
           "Nos vemos otra vez mañana por la mañana."],
}


def default_models() -> Path:
    env = os.environ.get("TAURA_TEST_MODELS", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "taura" / "test-models"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (espeak-ng runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# -- the demo's lines ---------------------------------------------------------------------------


def demo_lines(work: Path, n: int | None) -> dict[str, Any]:
    """Cues of the demo video's English subtitles and apertium's Spanish for each."""
    import pysubs2

    from taura_desktop.engines.mt.apertium import ApertiumEngine
    from taura_desktop.sample import make_sample

    sample = make_sample(work / "sample")
    subs = [e for e in pysubs2.load(str(sample.subtitles)) if e.plaintext.strip()]
    subs = subs[:n] if n else subs
    en = [" ".join(e.plaintext.split()) for e in subs]
    es = ApertiumEngine().translate_batch(en, "en", "es")
    slots = [(e.start, e.end, subs[i + 1].start if i + 1 < len(subs) else None) for i, e in enumerate(subs)]
    return {"en": en, "es": es, "slots": slots}


# -- one engine, in a child process -------------------------------------------------------------


def engine_for(name: str, models: Path) -> TtsEngine:
    from taura_desktop.engines.tts import open_engine

    if name == "espeak":
        return open_engine("espeak")
    engine_dir, model = MODEL_OF[name]
    folder = models / engine_dir / model
    path = folder / f"{model}.onnx" if name == "piper" else folder
    return open_engine(name, path, device="cpu")


def child(name: str, lang: str, lines_file: Path, models: Path, out_dir: Path) -> dict[str, Any]:
    from taura_desktop.dub.cache import voice_segment
    from taura_desktop.dub.trim import trim_silence
    from taura_desktop.engines.tts import SynthRequest

    data = json.loads(lines_file.read_text(encoding="utf-8"))
    texts: list[str] = data[lang]
    slots = [tuple(s) for s in data["slots"]]
    base_rss = rss_mb()
    t0 = time.perf_counter()
    engine = engine_for(name, models)
    load_s = time.perf_counter() - t0
    voice = VoiceSpec(engine=name, voice={"piper": "en_US-joe-medium", "kokoro": "jf_alpha"}.get(name, ""))
    # warm-up (first-run allocations), not timed
    engine.synthesize(SynthRequest("Hola." if lang == "es" else "Hello.", lang, voice))
    reqs = [SynthRequest(t, lang, voice) for t in texts]
    c0, t0 = cpu_s(), time.perf_counter()
    results = engine.synthesize_batch(reqs)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    clips = [trim_silence(r.samples, r.sample_rate) for r in results]
    sr = results[0].sample_rate
    speech_s = sum(len(c) for c in clips) / sr
    raw_s = sum(len(r.samples) for r in results) / sr
    fits: dict[str, int] = {s.value: 0 for s in FitStatus}
    speeds = []
    for clip, text, (start, end, nxt) in zip(clips, texts, slots, strict=True):
        fit = fit_with_caps(round(len(clip) * 1000 / sr), start, end, nxt, FitCaps(), chars=len(text))
        fits[fit.status.value] += 1
        speeds.append(fit.speed)
    names = []
    for i, clip in enumerate(clips):
        path = out_dir / f"{lang}-{name}-{i:03d}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sr)
            w.writeframes((np.clip(clip, -1, 1) * 32767).astype("<i2").tobytes())
        names.append(path.name)

    class Sink:
        def __init__(self) -> None:
            self.d: dict[str, tuple[int, np.ndarray]] = {}

        def put_clip(self, key: str, rate: int, samples: np.ndarray) -> None:
            self.d[key] = (rate, samples)

        def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
            return self.d.get(key)

        def has_clip(self, key: str) -> bool:
            return key in self.d

    revoice, revoice_cpu = [], []
    for text in EXTRA_LINES[lang]:
        c0, t0 = cpu_s(), time.perf_counter()
        voice_segment(engine, Sink(), text, lang, voice, (0, 2500, 2600))
        revoice.append(time.perf_counter() - t0)
        revoice_cpu.append(cpu_s() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "engine": name, "lang": lang, "sample_rate": sr, "load_s": load_s, "lines": len(texts),
        "speech_s": speech_s, "raw_s": raw_s, "wall_s": wall, "cpu_s": cpu,
        "speech_per_s": speech_s / wall, "speech_per_cpu_s": speech_s / cpu if cpu else 0.0,
        "revoice_s": statistics.median(revoice), "revoice_cpu_s": statistics.median(revoice_cpu),
        "peak_rss_mb": peak, "rss_growth_mb": peak - base_rss,
        "fits": fits, "mean_speed": statistics.fmean(speeds), "files": names,
    }


# -- intelligibility ----------------------------------------------------------------------------


def words(text: str) -> list[str]:
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[^\w\s']", " ", t).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(model: Path, out_dir: Path, result: dict[str, Any], texts: list[str]) -> tuple[float, list[str]]:
    from taura_desktop.engines.asr import AsrOptions, WhisperEngine
    from taura_desktop.media.audio_io import read_wav, resample

    engine = WhisperEngine(model)
    errors = total = 0
    heard_all = []
    for name, text in zip(result["files"], texts, strict=True):
        samples, sr = read_wav(out_dir / name)
        audio = np.asarray(resample(samples, sr, 16000), dtype=np.float32).reshape(-1)
        pad = np.zeros(8000, np.float32)
        _info, segs = engine.transcribe(
            np.concatenate([pad, audio, pad]),
            AsrOptions(language=result["lang"], beam_size=5, temperature=(0.0,)),
        )
        heard = " ".join(s.text for s in segs)
        heard_all.append(heard)
        ref = words(text)
        errors += edit_distance(ref, words(heard))
        total += len(ref)
    return errors / max(1, total), heard_all


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=default_models())
    ap.add_argument("--lines", type=int, default=None, help="only the first N cues")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--child", nargs=4, metavar=("ENGINE", "LANG", "LINES", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        name, lang, lines_file, out = args.child
        print(json.dumps(child(name, lang, Path(lines_file), args.models, Path(out))))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-tts-") as tmp:
        work = Path(tmp)
        data = demo_lines(work, args.lines)
        lines_file = work / "lines.json"
        lines_file.write_text(json.dumps(data), encoding="utf-8")
        results = []
        for lang, engines in ENGINES.items():
            for name in engines:
                if name in MODEL_OF and not (args.models / "/".join(MODEL_OF[name]) / ".complete").is_file():
                    print(f"{lang} {name}: model not installed in {args.models}; skipped")
                    continue
                cmd = [sys.executable, __file__, "--models", str(args.models),
                       "--child", name, lang, str(lines_file), str(work)]
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    print(f"{lang} {name}: failed: {out.stderr.strip().splitlines()[-1:]}")
                    continue
                res = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{lang} {name:7s} {res['speech_s']:.1f} s speech: "
                      f"{res['speech_per_s']:.1f} s/s wall, {res['speech_per_cpu_s']:.1f} s per CPU-s; "
                      f"re-voice one line {res['revoice_s']:.3f} s ({res['revoice_cpu_s']:.3f} CPU-s); "
                      f"peak RSS {res['peak_rss_mb']:.0f} MB "
                      f"(+{res['rss_growth_mb']:.0f}); fits {res['fits']} mean speed {res['mean_speed']:.3f}",
                      flush=True)
                results.append(res)
        whisper = args.models / "whisper" / "base"
        if (whisper / ".complete").is_file():
            for res in results:
                res["wer"], res["heard"] = wer(whisper, work, res, data[res["lang"]])
                print(f"{res['lang']} {res['engine']:7s} WER (Whisper base) {res['wer']:.3f}", flush=True)
        else:
            print(f"Whisper base not installed in {args.models}: no WER")
        by = {(r["lang"], r["engine"]): r for r in results}
        for lang in ENGINES:
            ref = by.get((lang, "espeak"))
            for r in results:
                if r["lang"] == lang and ref is not None and r is not ref:
                    ratio = r["speech_per_cpu_s"] / ref["speech_per_cpu_s"]
                    print(f"{lang} {r['engine']} vs espeak: speed x{ratio:.3f} (per CPU-s), "
                          f"speech length x{r['speech_s'] / ref['speech_s']:.2f}")
        if args.json:
            for r in results:
                r.pop("files", None)
            doc = {"lines": data, "results": results}
            args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
