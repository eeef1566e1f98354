"""Benchmark: feature-length projects on an ordinary machine (memory, size, speed per length).

    python bench/bench_longform.py [--lengths 30,120,180] [--kinds mp4,stems,burn]
                                   [--cache /tmp/taura-longform] [--json OUT.json]
                                   [--extra-words N] [--size-only]

For each length (minutes) it builds, once, and caches under ``--cache`` (reused by later runs):
a video (testsrc 160x90 at 5 fps + a 440 Hz tone, AAC stereo; a 10-minute base concatenated
with stream copy), English subtitles with a line every 3.6 s, and the project made from them
with the real CLI: ``taura new``, ``import-subs``, ``translate --engine apertium`` (eng-spa),
``voice --engine espeak`` (every line voiced and fitted). Then it measures, each in one run:

- project size after the voicing (file + WAL), and what the same clips take as 16-bit PCM;
- ``taura info`` wall (opening the project) and re-voicing one edited line (``taura voice``
  after one translation changed), with the clips stored as FLAC and, on a copy converted to
  16-bit PCM rows, as raw PCM (the previous storage);
- ``taura export --format mp4``: wall and peak memory summed over the process tree (the CLI,
  its worker and every ffmpeg child; /proc sampled every 50 ms), cold (empty loudness cache)
  and warm, on the FLAC project and (warm) on the PCM copy;
- the ffmpeg floor: one bare ffmpeg run producing the same master layout from the same source
  (video and original audio copied, the source audio decoded and encoded once as the second
  track with the same AAC options), and the export/floor ratios;
- optionally ``--format stems`` and ``--format burn``: wall and peak memory (``--kinds`` without
  ``mp4`` measures only those).

``--extra-words N`` makes every line N words longer (a denser dub: most lines then speak
longer than their slot and are time-compressed, the case where a project stores most);
``--size-only`` stops after the size, open and re-voice figures; ``--cold-only`` after the
cold export.

Prints one table per length and writes all figures as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE_S = 600
LINE_EVERY_MS = 3600
LINE_MS = 3000
_TEXT = (
    "the old house near the river was quiet when we arrived late in the evening after a long "
    "journey through the mountains and the small villages where people still remember stories "
    "about the war and the winter that never seemed to end while children played in the snow"
)
WORDS = list(dict.fromkeys(_TEXT.split(" ")))  # unique words


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def taura(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = env()
    if env_extra:
        e.update(env_extra)
    return subprocess.run([sys.executable, "-m", "taura_desktop.cli", *args], env=e, check=True,
                          capture_output=True, text=True)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def tree_rss_kb(pid: int, peaks: dict[str, int] | None = None) -> int:
    """Resident memory of ``pid`` and all its descendants, summed (kB). ``peaks`` gathers each
    process's own peak (VmHWM) under its role: the first process is "cli", a Python child
    "worker", any other child by its program name."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            total += int(fields.get("VmRSS", "0 kB").split()[0])
            if peaks is not None:
                name = fields.get("Name", "?").strip()
                role = "cli" if p == pid else ("worker" if name.startswith("python") else name)
                peaks[role] = max(peaks.get(role, 0), int(fields.get("VmHWM", "0 kB").split()[0]))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


CPU_S: list[float] = [0.0]  # CPU seconds (user + system, whole tree) of the last ``measured`` run
PEAKS: dict[str, int] = {}  # each process's own peak memory (kB) in the last ``measured`` run


def measured(cmd: list[str], env_extra: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak tree memory MB) of running ``cmd``; its CPU time goes to ``CPU_S``
    (on a shared, loaded machine the CPU time is the steadier figure)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    e = env()
    if env_extra:
        e.update(env_extra)
    peak = [0]
    PEAKS.clear()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid, PEAKS))
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_S[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])}...: exit {proc.returncode}: {err.strip()[-400:]}")
    return wall, peak[0] / 1024


def sentence(i: int, extra_words: float = 0) -> str:
    """A unique line of 4-6 words (the first three are ``i`` in base ``len(WORDS)``) plus
    ``extra_words`` (a fraction spreads evenly: 2.5 adds 3 words to every other line and 2 to
    the rest); with none, in Spanish it speaks for about 2-3.5 s, so some lines fit
    their 3 s slot and some are time-compressed (fitted audio stored besides the natural
    take), as in a real dub."""
    k = len(WORDS)
    words = [WORDS[(i // k**j) % k] for j in range(3)]
    extra = math.floor(extra_words * (i + 1)) - math.floor(extra_words * i)
    words += [WORDS[(i * 7 + j * 11) % k] for j in range(1 + i % 3 + extra)]
    return " ".join(words).capitalize() + "."


def ms_to_srt(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def build(cache: Path, minutes: int, extra_words: float = 0) -> dict[str, float]:
    """Media, subtitles and the voiced project for one length (cached)."""
    base = cache / "base.mp4"
    if not base.exists():
        ffmpeg("-f", "lavfi", "-i", f"testsrc=size=160x90:rate=5:duration={BASE_S}",
               "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={BASE_S}",
               "-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k", "-ac", "2",
               "-metadata:s:a:0", "language=eng", "-shortest", str(base) + ".part.mp4")
        os.replace(str(base) + ".part.mp4", base)
    d = cache / (f"{minutes}min" + (f"-w{extra_words:g}" if extra_words else ""))
    d.mkdir(parents=True, exist_ok=True)
    video = d / "video.mp4"
    if not video.exists():
        reps = max(1, round(minutes * 60 / BASE_S))
        lst = d / "concat.txt"
        lst.write_text("".join(f"file '{base}'\n" for _ in range(reps)), encoding="utf-8")
        ffmpeg("-f", "concat", "-safe", "0", "-i", str(lst), "-c", "copy",
               "-metadata:s:a:0", "language=eng", str(video) + ".part.mp4")
        os.replace(str(video) + ".part.mp4", video)
    subs = d / "subs.en.srt"
    n_lines = minutes * 60_000 // LINE_EVERY_MS
    if not subs.exists():
        parts = []
        for i in range(n_lines):
            s = i * LINE_EVERY_MS + 200
            line = sentence(i, extra_words)
            parts.append(f"{i + 1}\n{ms_to_srt(s)} --> {ms_to_srt(s + LINE_MS)}\n{line}\n")
        subs.write_text("\n".join(parts), encoding="utf-8")
    voiced = d / "voiced.taura"
    times: dict[str, float] = {}
    if not voiced.exists():
        work = d / "work.taura"
        for side in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            side.unlink(missing_ok=True)
        steps = [
            ("new", ["new", str(video), "-o", str(work), "--source-lang", "en", "--to", "es"]),
            ("import-subs", ["import-subs", str(work), str(subs), "--lang", "en"]),
            ("translate", ["translate", str(work), "--to", "es", "--engine", "apertium"]),
            ("voice", ["voice", str(work), "--lang", "es", "--engine", "espeak"]),
        ]
        for name, args in steps:
            t0 = time.perf_counter()
            taura(*args)
            times[f"build {name} s"] = round(time.perf_counter() - t0, 2)
        for side in (Path(f"{work}-wal"), Path(f"{work}-shm")):
            if side.exists():  # a clean close leaves none; be safe before copying
                raise RuntimeError(f"{side}: left behind after the voice stage")
        os.replace(work, voiced)
        (d / "build_times.json").write_text(json.dumps(times), encoding="utf-8")
    elif (d / "build_times.json").exists():
        times = json.loads((d / "build_times.json").read_text(encoding="utf-8"))
    times["lines"] = float(n_lines)
    return times


def to_pcm_copy(src: Path, dst: Path) -> None:
    """A copy whose clips are stored as raw 16-bit PCM rows (the storage before FLAC)."""
    from taura_desktop.core import clipcodec

    shutil.copyfile(src, dst)
    db = sqlite3.connect(dst, isolation_level=None)
    keys = [k for (k,) in db.execute("SELECT key FROM clips")]
    db.execute("BEGIN")
    for k in keys:
        row = db.execute("SELECT codec, data, frames FROM clips WHERE key = ?", (k,)).fetchone()
        codec, data, frames = row
        pcm = clipcodec.decode(codec, data, str(dst), frames)
        db.execute("UPDATE clips SET codec = ?, data = ? WHERE key = ?",
                   (clipcodec.PCM16, pcm.astype("<i2").tobytes(), k))
    db.execute("COMMIT")
    db.execute("VACUUM")
    db.close()


def revoice_one(project: Path) -> float:
    """Change one line's translation, then time ``taura voice`` (it re-voices only that line)."""
    from taura_desktop.core import edits
    from taura_desktop.core.project import Project

    with Project.open(project) as p:
        segs = p.segments()
        seg = segs[len(segs) // 2]
        tr = seg.translation("es")
        assert tr is not None
        p.apply(edits.set_translation_text(p.state, seg.id, "es", tr.text + " otra vez"))
    t0 = time.perf_counter()
    taura("voice", str(project), "--lang", "es", "--engine", "espeak")
    return time.perf_counter() - t0


def mb(path: Path) -> float:
    size = path.stat().st_size
    wal = Path(f"{path}-wal")
    if wal.exists():
        size += wal.stat().st_size
    return size / 1e6


Export = Callable[[str, Path, Path, Path], tuple[float, float]]


def measure_mp4(res: dict[str, float], export: Export, proj: Path, pcm: Path | None, video: Path,
                tmp: Path, cold_cache: Path, cold_only: bool) -> None:
    """The mp4 master: cold (and per process), then warm, PCM clips and the ffmpeg floor."""
    wall, peak = export("mp4", proj, tmp / "cold.mp4", cold_cache)
    res["export mp4 cold s"], res["export mp4 cold peak MB"] = round(wall, 2), round(peak, 1)
    res["export mp4 cold cpu s"] = round(CPU_S[0], 2)
    for role, kb in sorted(PEAKS.items()):
        res[f"export mp4 cold peak MB, {role} alone"] = round(kb / 1024, 1)
    if cold_only:
        return
    wall, peak = export("mp4", proj, tmp / "warm.mp4", cold_cache)
    res["export mp4 warm s"], res["export mp4 warm peak MB"] = round(wall, 2), round(peak, 1)
    res["export mp4 warm cpu s"] = round(CPU_S[0], 2)
    if pcm is not None:
        wall, _peak = export("mp4", pcm, tmp / "warm_pcm.mp4", cold_cache)
        res["export mp4 warm s [pcm clips]"] = round(wall, 2)
    floor, fpeak = measured(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(video),
                             "-map", "0:v:0", "-map", "0:a:0", "-map", "0:a:0", "-c:v", "copy",
                             "-c:a:0", "copy", "-c:a:1", "aac", "-aac_coder", "fast", "-b:a:1", "192k",
                             "-ar:a:1", "48000", "-ac:a:1", "2", str(tmp / "floor.mp4")])
    res["ffmpeg floor s"], res["ffmpeg floor peak MB"] = round(floor, 2), round(fpeak, 1)
    res["ffmpeg floor cpu s"] = round(CPU_S[0], 2)
    res["cold / floor"] = round(res["export mp4 cold s"] / floor, 3)
    res["warm / floor"] = round(res["export mp4 warm s"] / floor, 3)
    res["cold / floor (cpu)"] = round(res["export mp4 cold cpu s"] / max(0.01, CPU_S[0]), 3)
    res["warm / floor (cpu)"] = round(res["export mp4 warm cpu s"] / max(0.01, CPU_S[0]), 3)


def measure(cache: Path, minutes: int, kinds: list[str], compare_pcm: bool = True,
            extra_words: float = 0, size_only: bool = False, cold_only: bool = False) -> dict[str, float]:
    res = build(cache, minutes, extra_words)
    d = cache / (f"{minutes}min" + (f"-w{extra_words:g}" if extra_words else ""))
    video = d / "video.mp4"
    with tempfile.TemporaryDirectory(dir=cache) as tmp_s:
        tmp = Path(tmp_s)
        proj = tmp / "p.taura"
        shutil.copyfile(d / "voiced.taura", proj)
        db = sqlite3.connect(proj)
        n_clips, pcm_bytes = db.execute("SELECT count(*), coalesce(sum(frames), 0) * 2 FROM clips").fetchone()
        by_codec = dict(db.execute("SELECT codec, sum(length(data)) FROM clips GROUP BY codec").fetchall())
        seconds = db.execute("SELECT sum(frames * 1.0 / sample_rate) FROM clips").fetchone()[0] or 0.0
        db.close()
        for codec, size in sorted(by_codec.items()):
            res[f"clips stored as {codec} MB"] = round(size / 1e6, 1)
        res["stored audio s per line"] = round(seconds / res["lines"], 2)
        res["project MB"] = round(mb(proj), 1)
        res["clips"] = float(n_clips)
        res["clips as 16-bit PCM MB"] = round(pcm_bytes / 1e6, 1)
        pcm = tmp / "pcm.taura"
        if compare_pcm:
            to_pcm_copy(proj, pcm)
            res["project MB (PCM clips)"] = round(mb(pcm), 1)
        for label, p in (("flac", proj), ("pcm", pcm))[: 2 if compare_pcm else 1]:
            t0 = time.perf_counter()
            taura("info", str(p))
            res[f"open (taura info) s [{label}]"] = round(time.perf_counter() - t0, 2)
            res[f"re-voice one line s [{label}]"] = round(revoice_one(p), 2)
        if size_only:
            return res
        cli = [sys.executable, "-m", "taura_desktop.cli"]
        cold_cache = tmp / "cache"

        def export(kind: str, p: Path, out: Path, cache_dir: Path) -> tuple[float, float]:
            return measured([*cli, "export", str(p), "--lang", "es", "--format", kind, "-o", str(out)],
                            {"TAURA_CACHE_DIR": str(cache_dir)})

        if "mp4" in kinds:
            measure_mp4(res, export, proj, pcm if compare_pcm else None, video, tmp, cold_cache, cold_only)
            if cold_only:
                return res
        for kind in kinds:
            if kind == "mp4":
                continue
            out = tmp / ("stems" if kind == "stems" else f"out.{kind}.mp4")
            wall, peak = export(kind, proj, out, cold_cache)
            res[f"export {kind} s"], res[f"export {kind} peak MB"] = round(wall, 2), round(peak, 1)
            for role, kb in sorted(PEAKS.items()):
                res[f"export {kind} peak MB, {role} alone"] = round(kb / 1024, 1)
            if out.is_dir():
                shutil.rmtree(out)
            else:
                out.unlink(missing_ok=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", default="30,120,180", help="programme lengths in minutes")
    ap.add_argument("--kinds", default="mp4", help="export kinds: mp4 and any of stems, burn")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "taura-longform")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-pcm", default="", help="lengths (minutes) that skip the PCM-clip comparison")
    ap.add_argument("--extra-words", type=float, default=0,
                    help="words added to every line, on average (a denser dub)")
    ap.add_argument("--size-only", action="store_true", help="only size, open and re-voice figures")
    ap.add_argument("--cold-only", action="store_true", help="export once (cold) and stop: no warm/floor")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in a.kinds.split(",") if k]
    results: dict[str, dict[str, float]] = {}
    for minutes in (int(x) for x in a.lengths.split(",") if x):
        print(f"== {minutes} min ==", flush=True)
        r = measure(a.cache, minutes, kinds, str(minutes) not in a.no_pcm.split(","),
                    a.extra_words, a.size_only, a.cold_only)
        results[f"{minutes} min"] = r
        for k, v in r.items():
            print(f"  {k:<40} {v}", flush=True)
        if a.json is not None:
            a.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    keys = list(results)
    first = results[keys[0]] if keys else {}
    for k in keys[1:]:
        for what in (f"export {kind} {'cold ' if kind == 'mp4' else ''}peak MB" for kind in kinds):
            if what in first and what in results[k]:
                ratio = results[k][what] / first[what]
                print(f"{what}, {k} / {keys[0]}: {ratio:.2f}x (target <= 1.25x, < 800 MB)")


if __name__ == "__main__":
    main()
