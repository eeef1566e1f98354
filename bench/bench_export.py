"""Benchmark: dubbed-master export vs moviepy 2.x and vs the bare-ffmpeg floor.

    python bench/bench_export.py [--minutes 10] [--clips 200] [--skip-moviepy]

Generates a test video (testsrc 640x360 25 fps, AAC stereo) and N dub clips (tone bursts,
1-2.5 s, 22.05 kHz), then times in one run:
  ours cold   export_master(..., mode duck, AAC -aac_coder fast), empty loudness cache: the
              original's loudness profile is measured first, then one streamed
              mix + encode + mux run (loudness estimated, checked by the output meter)
  ours warm   the same export again (profile cached, as on every re-export of a project)
  ours exact  exact_loudness=True: the mix is rendered and measured before the encode
  floor       a bare ffmpeg run: video stream copy + original copy + the same AAC encode
              (same codec, options, rate and length) of a pre-rendered mix
  moviepy     CompositeAudioClip of the original + N AudioArrayClips, write_videofile
Prints seconds, the ratios (targets: moviepy/ours >= 10, ours/floor <= 1.2) and the dub
track's loudness as ffmpeg's ebur128 measures it (target -23 LUFS).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.export import DubTrack, MasterReport, MixSettings, PlacedClip, export_master
from taura_desktop.export.mix import mix_tracks

SR = 22050


def make_video(path: Path, seconds: int) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size=640x360:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"anoisesrc=d={seconds}:c=pink:a=0.1:r=48000", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
                    "-metadata:s:a:0", "language=eng", "-shortest", str(path)], check=True)


def make_clips(seconds: int, n: int) -> list[PlacedClip]:
    rng = np.random.default_rng(0)
    slot = seconds * 1000 // n
    clips = []
    for i in range(n):
        dur = rng.uniform(1.0, min(2.5, slot / 1000 * 0.9))
        t = np.arange(int(dur * SR)) / SR
        f = rng.uniform(150, 400)
        x = 0.3 * np.sin(2 * np.pi * f * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        clips.append(PlacedClip(i * slot + int(rng.integers(0, 200)), x.astype(np.float32), SR))
    return clips


def ebur128(path: Path, map_spec: str) -> float:
    r = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", map_spec,
                        "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float([ln for ln in r.stderr.splitlines() if ln.strip().startswith("I:")][-1].split()[1])


def timed(label: str, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    print(f"{label:<48} {dt:8.2f} s", flush=True)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--skip-moviepy", action="store_true")
    a = ap.parse_args()
    seconds = int(a.minutes * 60)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ["TAURA_CACHE_DIR"] = str(tmp / "cache")  # starts empty: "cold" is honest
        video = tmp / "src.mp4"
        print(f"generating {seconds} s video and {a.clips} clips ...", flush=True)
        make_video(video, seconds)
        clips = make_clips(seconds, a.clips)
        track = DubTrack("es", "Español", clips)
        settings = MixSettings(mode="duck")
        reports: dict[str, MasterReport] = {}

        def ours(name: str, exact_loudness: bool = False) -> None:
            reports[name] = export_master(video, tmp / f"{name}.mp4", [track], [], settings,
                                          original_lang="en", exact_loudness=exact_loudness)

        cold = timed("ours cold: export_master (duck, aac fast)", lambda: ours("cold"))
        warm = timed("ours warm: same export, profile cached", lambda: ours("warm"))
        exact = timed("ours exact_loudness=True", lambda: ours("exact", exact_loudness=True))

        # floor: pre-render the same mix (untimed), then one bare ffmpeg copy + encode
        raw = tmp / "mix.f32"
        with open(raw, "wb") as fh:
            def sink(b: np.ndarray) -> None:
                fh.write(b.astype("<f4").tobytes())

            mix_tracks(video, [track], settings, [sink], exact_loudness=True)
        floor = timed("floor: ffmpeg -c:v copy + same AAC encode",
                      lambda: subprocess.run(
                          ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-f", "f32le", "-ar", "48000",
                           "-ac", "2", "-i", str(raw), "-map", "0:v:0", "-map", "0:a:0", "-map", "1:a:0",
                           "-c:v", "copy", "-c:a:0", "copy", "-c:a:1", "aac", "-aac_coder", "fast",
                           "-b:a:1", "192k", "-ar:a:1", "48000", str(tmp / "floor.mp4")], check=True))
        print(f"ours cold / floor = {cold / floor:.2f}x   warm / floor = {warm / floor:.2f}x   "
              f"exact / floor = {exact / floor:.2f}x  (target <= 1.2x)")
        for name, rep in reports.items():
            t = rep.tracks[0]
            est = f"{t.estimated_lufs:.2f}" if t.estimated_lufs is not None else "-"
            print(f"  {name:<5} estimate {est} LUFS, mix {t.input_lufs:.2f} LUFS, renders {t.renders}, "
                  f"delivered {t.output_lufs:.2f} LUFS (ffmpeg ebur128 "
                  f"{ebur128(rep.path, '0:a:1'):.2f}), problems {list(rep.problems)}")

        if not a.skip_moviepy:
            def run_moviepy() -> None:
                from moviepy import AudioArrayClip, CompositeAudioClip, VideoFileClip

                v = VideoFileClip(str(video))
                parts = [v.audio]
                for c in clips:
                    st = np.repeat(c.audio()[:, None], 2, axis=1)
                    parts.append(AudioArrayClip(st, fps=SR).with_start(c.start_ms / 1000))
                out = v.with_audio(CompositeAudioClip(parts))
                out.write_videofile(str(tmp / "moviepy.mp4"), codec="libx264", audio_codec="aac",
                                    temp_audiofile=str(tmp / "moviepy_audio.m4a"), logger=None)
                v.close()

            mp = timed("moviepy 2.x: CompositeAudioClip + write_videofile", run_moviepy)
            print(f"moviepy / ours cold = {mp / cold:.1f}x   moviepy / ours warm = {mp / warm:.1f}x  "
                  "(target >= 10x)")


if __name__ == "__main__":
    main()
