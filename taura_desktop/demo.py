"""The demo: make the sample video, then localize it to Spanish with the embedded engines
(espeak-ng narration -> apertium translation -> espeak-ng voices). No model downloads.

Run: python -m taura_desktop.demo [OUT_DIR]   (what ``./setup.sh demo`` runs)
"""

from __future__ import annotations

import sys
from pathlib import Path

from taura_desktop.cli.main import guarded
from taura_desktop.cli.main import main as taura


def main(argv: list[str] | None = None) -> int:
    """Errors (no espeak-ng or ffmpeg, a broken installation, ...) are reported like the
    ``taura`` command's: one line and its exit code."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "demo-output").resolve()
    return guarded(lambda: _demo(out))


def _demo(out: Path) -> int:
    from taura_desktop.sample import make_sample

    out.mkdir(parents=True, exist_ok=True)
    sample = make_sample(out / "sample")
    print(f"sample video: {sample.video}\nsample subtitles: {sample.subtitles}")
    return taura(
        [
            "localize",
            str(sample.video),
            "--to",
            "es",
            "--subs",
            str(sample.subtitles),
            "--source-lang",
            "en",
            "-o",
            str(out / "localized"),
            "--offline",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
