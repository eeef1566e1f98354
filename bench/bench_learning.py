"""What a person's corrections are worth: ASR word error rate against the corrected transcripts,
MT chrF against the approved translations, and what the translation memory gives back.

Two uses:

    python bench/bench_learning.py measure DATASET [--whisper MODEL_DIR ...] [--mt apertium]
        The recipe, on a dataset written by `taura dataset export`: each clip is transcribed
        again (WER of the ASR against the person's corrected ``source_text``) and each corrected
        source is machine-translated again (chrF of the engine against the approved
        ``translation``). jiwer and sacrebleu come with the dev extra.

    python bench/bench_learning.py loop [--work DIR] [--whisper MODEL_DIR ...]
        The whole loop on generated speech: a first video (the demo narration) is translated by
        the engine, a person's wording is approved (bench/data/learning_first.tsv), then a second
        video repeating some of its lines (bench/data/learning_second.tsv) is translated with and
        without the memory. Prints the share of segments the person no longer has to touch and
        the chrF of the engine alone vs engine + memory, then runs ``measure`` on the first
        video's dataset.

Both print one JSON document (figures measured in this run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def read_pairs(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            src, tgt = line.split("\t")
            rows.append((src.strip(), tgt.strip()))
    return rows


def chrf(hyps: list[str], refs: list[str]) -> float:
    import sacrebleu

    return round(float(sacrebleu.corpus_chrf(hyps, [refs]).score), 2)


def wer(hyps: list[str], refs: list[str]) -> float:
    import jiwer

    return round(float(jiwer.wer([_norm_words(r) for r in refs], [_norm_words(h) for h in hyps])), 4)


def asr_texts(model_dir: Path, wavs: list[Path], lang: str) -> list[str]:
    from taura_desktop.engines.asr.base import AsrOptions
    from taura_desktop.engines.asr.whisper import WhisperEngine
    from taura_desktop.media.audio_io import read_wav

    engine = WhisperEngine(model_dir, device="cpu")
    out = []
    try:
        for wav in wavs:
            samples, _sr = read_wav(wav)
            _info, segs = engine.transcribe(samples, AsrOptions(language=lang, vad=False))
            out.append(" ".join(s.text.strip() for s in segs))
    finally:
        engine.close()
    return out


def measure(dataset: Path, whisper: list[Path], mt: str) -> dict[str, Any]:
    """WER per ASR model against the corrected transcripts; chrF of ``mt`` against the approved
    translations (rows with status approved), both from a `taura dataset export` folder."""
    from taura_desktop.pipeline.translate import translate_texts

    rows = [json.loads(x) for x in (dataset / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
    result: dict[str, Any] = {"dataset": str(dataset), "clips": len(rows), "asr_wer": {}}
    for model in whisper:
        by_lang: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_lang.setdefault(r["source_lang"], []).append(r)
        hyps, refs = [], []
        for lang, group in by_lang.items():
            hyps += asr_texts(model, [dataset / r["file_name"] for r in group], lang)
            refs += [r["source_text"] for r in group]
        result["asr_wer"][model.name] = wer(hyps, refs)
    approved = [r for r in rows if r["status"] == "approved" and r["translation"].strip()]
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in approved:
        pairs.setdefault((r["source_lang"], r["target_lang"]), []).append(r)
    result["mt_chrf"] = {}
    for (src, tgt), group in pairs.items():
        out = translate_texts([r["source_text"] for r in group], src, tgt, engine=mt)
        result["mt_chrf"][f"{mt} {src}-{tgt}"] = chrf(out, [r["translation"] for r in group])
    return result


def _speech_project(work: Path, name: str, lines: list[str]) -> Path:
    """A project on generated speech of ``lines``, its source segments at the exact times."""
    from taura_desktop.app import projects
    from taura_desktop.subtitles.io import Cue, write_subtitles
    from tests.mediagen import make_speech_wav

    wav = work / f"{name}.wav"
    timings = make_speech_wav(wav, lines, gap_ms=700)
    srt = write_subtitles([Cue(a, b, t) for (a, b), t in zip(timings, lines, strict=True)],
                          work / f"{name}.en.srt", "srt", lang="en")
    path = work / f"{name}.taura"
    with projects.new_project(wav, path, source_lang="en", targets=("es",), overwrite=True) as p:
        projects.import_subtitles(p, srt, lang="en")
    return path


def _translate(path: Path, *, memory: bool) -> list[tuple[str, str, str]]:
    """(source, translation, engine) per segment after the translate stage."""
    from taura_desktop.core.project import Project
    from taura_desktop.pipeline.stages import run_stage
    from taura_desktop.pipeline.translate import TranslateOptions

    with Project.open(path) as p:
        opts = TranslateOptions(("es",), engine="apertium", use_memory=memory)
        run_stage(p, "translate", opts)
        return [(s.source_text, s.translations["es"].text, s.translations["es"].engine)
                for s in p.segments()]


def _untouched(got: list[tuple[str, str, str]], wanted: dict[str, str]) -> float:
    """Share of segments whose translation already is the person's approved wording."""
    same = sum(1 for src, text, _e in got if " ".join(text.split()) == " ".join(wanted[src].split()))
    return round(same / len(got), 4)


def loop(work: Path, whisper: list[Path]) -> dict[str, Any]:
    os.environ["TAURA_DATA_DIR"] = str(work / "user-data")  # a fresh translation memory
    from taura_desktop.app import review
    from taura_desktop.app.dataset import export_dataset
    from taura_desktop.core import edits
    from taura_desktop.core.project import Project
    from taura_desktop.jobs.worker import shared_worker

    first_pairs = read_pairs(DATA / "learning_first.tsv")
    second_pairs = read_pairs(DATA / "learning_second.tsv")
    first_ref, second_ref = dict(first_pairs), dict(second_pairs)
    first = _speech_project(work, "first", [s for s, _t in first_pairs])
    engine_first = _translate(first, memory=False)
    with Project.open(first) as p:  # the person's review: their wording, then approve all
        for seg in p.segments():
            tr = seg.translation("es")
            if tr is None or tr.text != first_ref[seg.source_text]:
                p.apply(edits.set_translation_text(p.state, seg.id, "es", first_ref[seg.source_text]))
        review.approve(p, p.state.ids(), "es")
        dataset = work / "dataset"
        export_dataset(p, "es", dataset, approved_only=True)

    second_lines = [s for s, _t in second_pairs]
    alone = _translate(_speech_project(work, "second_engine", second_lines), memory=False)
    with_memory = _translate(_speech_project(work, "second_memory", second_lines), memory=True)
    repeated = sum(1 for s, _t in second_pairs if s in first_ref)
    refs = [second_ref[s] for s, _t, _e in alone]
    result = {
        "first_video": {
            "segments": len(engine_first),
            "untouched_engine_alone": _untouched(engine_first, first_ref),
            "chrf_engine_alone": chrf(
                [t for _s, t, _e in engine_first], [first_ref[s] for s, _t, _e in engine_first]
            ),
        },
        "second_video": {
            "segments": len(alone),
            "repeating_first_video": repeated,
            "filled_from_memory": sum(1 for _s, _t, e in with_memory if e == "memory"),
            "untouched_engine_alone": _untouched(alone, second_ref),
            "untouched_engine_plus_memory": _untouched(with_memory, second_ref),
            "chrf_engine_alone": chrf([t for _s, t, _e in alone], refs),
            "chrf_engine_plus_memory": chrf([t for _s, t, _e in with_memory], refs),
        },
        "measure_first_video_dataset": measure(dataset, whisper, "apertium"),
    }
    shared_worker().stop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("dataset", type=Path)
    m.add_argument("--whisper", type=Path, action="append", default=[], help="a whisper model folder")
    m.add_argument("--mt", default="apertium")
    lp = sub.add_parser("loop")
    lp.add_argument("--work", type=Path, default=None)
    lp.add_argument("--whisper", type=Path, action="append", default=[], help="a whisper model folder")
    args = parser.parse_args()
    if args.cmd == "measure":
        result = measure(args.dataset, args.whisper, args.mt)
    else:
        work = args.work or Path(tempfile.mkdtemp(prefix="taura-learning-"))
        work.mkdir(parents=True, exist_ok=True)
        result = loop(work, args.whisper)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
