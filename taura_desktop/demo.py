"""The demo: make the sample video, then localize it to Spanish FROM ITS SPEECH: Whisper
(the best installed model; ``./setup.sh demo`` installs ``base``) -> apertium translation ->
espeak-ng voices. The project's glossary carries the product name, which also primes the
speech recognizer so that "Taura" comes out spelled right. At the end the demo measures the
transcript against the narration script (word error rate) and says so.

Run: python -m taura_desktop.demo [OUT_DIR]   (what ``./setup.sh demo`` runs)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from taura_desktop.cli.main import guarded
from taura_desktop.cli.main import main as taura
from taura_desktop.core.project import Project
from taura_desktop.sample import make_sample

PRODUCT_TERMS = ("Taura Desktop", "Taura")
_NUMBERS = {"forty two": "42", "forty-two": "42"}


def main(argv: list[str] | None = None) -> int:
    """Errors (no espeak-ng or ffmpeg, no speech model, a broken installation, ...) are
    reported like the ``taura`` command's: one line and its exit code."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "demo-output").resolve()
    return guarded(lambda: _demo(out))


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; spelled-out numbers as digits."""
    low = text.lower()
    for spelled, digits in _NUMBERS.items():
        low = low.replace(spelled, digits)
    return re.sub(r"[^\w' ]+", " ", low).split()


def word_error_rate(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    """(substitutions + deletions + insertions) / reference words (Levenshtein over words)."""
    if not reference:
        return 0.0 if not hypothesis else 1.0
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[:], i
        for j, hyp in enumerate(hypothesis, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ref != hyp))
    return row[-1] / len(reference)


def write_glossary(path: Path) -> Path:
    entries = [{"source": term, "targets": {}, "dnt": True} for term in PRODUCT_TERMS]
    path.write_text(json.dumps({"version": 1, "entries": entries}, indent=1), encoding="utf-8")
    return path


def transcript_check(project: Path, script: Sequence[str]) -> tuple[float, int, int]:
    """(WER of the project's source text against ``script``, "Taura" heard, "Taura" said)."""
    with Project.open(project) as p:
        heard = " ".join(s.source_text for s in p.segments())
    said = " ".join(script)
    wer = word_error_rate(words(said), words(heard))
    return wer, len(re.findall(r"\bTaura\b", heard)), len(re.findall(r"\bTaura\b", said))


def _demo(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    sample = make_sample(out / "sample")
    glossary = write_glossary(out / "sample" / "glossary.json")
    print(f"sample video: {sample.video}\nglossary: {glossary}")
    localized = out / "localized"
    code = taura(
        [
            "localize",
            str(sample.video),
            "--to",
            "es",
            "--source-lang",
            "en",
            "--glossary",
            str(glossary),
            "-o",
            str(localized),
            "--offline",
        ]
    )
    if code != 0:
        return code
    script = [line.text for line in sample.script]
    wer, heard, said = transcript_check(localized / f"{sample.video.stem}.taura", script)
    print(
        f"speech recognition: word error rate {wer:.3f} against the narration script; "
        f'"Taura" spelled right {heard} of {said} times'
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
