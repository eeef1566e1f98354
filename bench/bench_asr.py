"""Speech recognition: `taura transcribe` against a bare faster-whisper run, and long media.

    python bench/bench_asr.py [--model FOLDER] [--repeat 1] [--long-minutes 0]

Overhead: the demo narration (150 s of espeak-ng speech over a music bed) transcribed by
  * `taura transcribe PROJECT --model FOLDER` (a fresh process: CLI start, worker start,
    model load, decoding, VAD, cutting into cues, writing the project), and
  * a bare faster-whisper script in a fresh process on the same model folder, the same audio
    file and the same options (int8 on CPU, beam 5, word timestamps, Silero VAD with Taura's
    parameters, language en, no previous-text conditioning): process start + model load +
    decode + transcribe, iterating every segment.
Runs alternate (bare, taura, bare, taura, ...); the best of each is compared (ratio; the
target is <= 1.10).

Long media (--long-minutes N): N minutes of speech (the narration looped, AAC in .m4a) through
`taura new` + `taura transcribe`; peak RSS of the whole process tree (CLI + worker, sampled
every 0.2 s from /proc) and wall time are reported, with the rate per audio hour.

Model: --model, else the shared test store's `base` (./setup.sh test installs it), else the
user's store. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE = r"""
import sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", local_files_only=True)
segments, info = model.transcribe(
    sys.argv[2], language="en", beam_size=5, best_of=5, patience=1.0,
    temperature=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0], compression_ratio_threshold=2.4,
    log_prob_threshold=-1.0, no_speech_threshold=0.6, condition_on_previous_text=False,
    word_timestamps=True, vad_filter=True,
    vad_parameters=dict(threshold=0.5, min_silence_duration_ms=1000, speech_pad_ms=400,
                        min_speech_duration_ms=0, max_speech_duration_s=30.0),
)
n = sum(1 for _ in segments)
print(n)
"""


def find_model(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from tests.realmodels import test_models_root

    shared = test_models_root() / "whisper" / "base"
    if (shared / ".complete").is_file():
        return shared
    from taura_desktop.modelstore.store import ModelStore

    return ModelStore().path("whisper", "base")  # exit with the install command if absent


def _tree_rss_kb(root_pid: int) -> int:
    """Sum of VmRSS of ``root_pid`` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                ppid, kb = -1, 0
                for line in fh:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
        except (OSError, ValueError):
            continue
        parents[int(entry)] = ppid
        rss[int(entry)] = kb
    total = 0
    for pid in rss:
        p = pid
        while p > 1 and p != root_pid:
            p = parents.get(p, -1)
        if p == root_pid:
            total += rss[pid]
    return total


def timed_run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak tree RSS in MB, stderr tail) of ``cmd``; raises on failure."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, peak[0] // 1024, (out + err).strip().splitlines()[-1] if (out + err).strip() else ""


def taura(*args: str) -> list[str]:
    return [sys.executable, "-m", "taura_desktop.cli.main", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def overhead(model: Path, work: Path, repeat: int) -> None:
    from taura_desktop.sample import make_sample

    sample = make_sample(work / "sample")
    audio = sample.video
    bare_script = work / "bare.py"
    bare_script.write_text(BARE, encoding="utf-8")
    env = _env()
    bare_t: list[float] = []
    taura_t: list[float] = []
    for i in range(repeat):
        bare_t.append(timed_run([sys.executable, str(bare_script), str(model), str(audio)], env)[0])
        proj = work / f"run{i}.taura"
        timed_run(taura("new", str(audio), "-o", str(proj), "--source-lang", "en"), env)
        wall, rss, line = timed_run(taura("transcribe", str(proj), "--model", str(model), "--offline"), env)
        taura_t.append(wall)
        print(f"  run {i + 1}: bare {bare_t[-1]:.1f} s, taura {wall:.1f} s ({rss} MB peak) — {line}")
    b, t = min(bare_t), min(taura_t)
    print(
        f"overhead: {audio.name} ({model.name}): bare faster-whisper {b:.1f} s, "
        f"taura transcribe {t:.1f} s -> ratio {t / b:.3f} (target <= 1.10)"
    )


def long_media(model: Path, work: Path, minutes: float) -> None:
    from taura_desktop.sample import make_sample

    sample = make_sample(work / "long-sample")
    media = work / f"speech-{minutes:g}min.m4a"
    t0 = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(sample.video), "-vn",
         "-t", str(minutes * 60), "-ac", "1", "-ar", "16000", "-c:a", "aac", "-b:a", "48k",
         str(media)],
        check=True,
    )  # fmt: skip
    print(f"long media: generated {minutes:g} min in {time.perf_counter() - t0:.0f} s ({media.name})")
    env = _env()
    proj = work / "long.taura"
    timed_run(taura("new", str(media), "-o", str(proj), "--source-lang", "en"), env)
    wall, rss, line = timed_run(taura("transcribe", str(proj), "--model", str(model), "--offline"), env)
    hours = minutes / 60
    print(
        f"long media: {minutes:g} min with {model.name}: {wall:.0f} s wall "
        f"({wall / hours / 60:.1f} min per audio hour), peak RSS {rss} MB (target < 1500 MB) — {line}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="Whisper model folder (default: base)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--long-minutes", type=float, default=0.0, help="also run N minutes of speech")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    model = find_model(args.model)
    with tempfile.TemporaryDirectory(prefix="bench-asr-") as tmp:
        work = Path(tmp)
        if not args.skip_overhead:
            overhead(model, work, args.repeat)
        if args.long_minutes > 0:
            long_media(model, work, args.long_minutes)


if __name__ == "__main__":
    main()
