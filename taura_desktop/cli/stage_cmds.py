"""Stage commands: transcribe, translate, voice, and localize (the whole pipeline)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taura_desktop.app.localize import LocalizeOptions, localize
from taura_desktop.app.projects import check_media
from taura_desktop.cli.offline import go_offline
from taura_desktop.cli.progress import StageProgress
from taura_desktop.core import edits
from taura_desktop.core.project import Project
from taura_desktop.pipeline.diarize import DiarizeOptions
from taura_desktop.pipeline.engines import best_whisper
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.transcribe import TranscribeOptions
from taura_desktop.pipeline.translate import TranslateOptions
from taura_desktop.pipeline.voice import VoiceOptions


def add_parsers(sub: argparse._SubParsersAction[Any], lang_list: Callable[[str], list[str]]) -> None:
    p = sub.add_parser("transcribe", help="speech -> source segments (faster-whisper)")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--model",
        default=None,
        help="model name in the store or a model folder (default: the best installed for the language)",
    )
    p.add_argument("--language", default=None, help="spoken language (default: project's, else detect)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--restart", action="store_true", help="drop existing segments and start over")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("diarize", help="who speaks when: assign segments to speakers (speaker model)")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--speakers", type=int, default=None, metavar="N", help="number of speakers (default: estimate)"
    )
    p.add_argument("--restart", action="store_true", help="recompute even if diarization is complete")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.set_defaults(func=cmd_diarize)

    p = sub.add_parser("translate", help="translate segments into target languages")
    p.add_argument("project", type=Path)
    p.add_argument("--to", type=lang_list, required=True, help="target languages, e.g. es or es,fr")
    p.add_argument("--engine", choices=("auto", "argos", "apertium"), default="auto")
    p.add_argument("--only-missing", action="store_true", help="keep existing (even stale) translations")
    p.add_argument("--force", action="store_true", help="also replace translations a person edited")
    p.add_argument("--offline", action="store_true")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser("voice", help="synthesize and fit a dubbed clip per segment")
    p.add_argument("project", type=Path)
    p.add_argument("--lang", required=True)
    p.add_argument(
        "--engine",
        choices=("espeak", "piper", "kokoro", "xtts"),
        default=None,
        help="override the speakers' voice engine (default: each speaker's voice, else the best "
        "installed engine for the language: piper or kokoro for English, kokoro for Spanish, "
        "espeak otherwise)",
    )
    p.add_argument("--only-missing", action="store_true", help="keep existing clips")
    p.add_argument(
        "--max-speed",
        type=float,
        default=None,
        help="time-compression cap (<= 1.5; default 1.25); kept as the project's cap",
    )
    p.add_argument(
        "--accept-xtts-license",
        action="store_true",
        help="accept the Coqui Public Model License (non-commercial) of XTTS-v2",
    )
    p.add_argument("--offline", action="store_true")
    p.set_defaults(func=cmd_voice)

    p = sub.add_parser("localize", help="the whole pipeline: video in, dubbed master and subtitles out")
    p.add_argument("video", type=Path)
    p.add_argument("--to", type=lang_list, required=True, help="target languages, e.g. es or es,fr")
    p.add_argument("--subs", type=Path, default=None, help="source subtitles (skip transcription)")
    p.add_argument("-o", "--output", type=Path, default=None, help="output folder (default: VIDEO_localized)")
    p.add_argument("--source-lang", default=None, help="spoken language (default: detect; en with --subs)")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument(
        "--asr-model",
        default=None,
        help="speech recognition model (default: the best installed for the source language)",
    )
    p.add_argument(
        "--glossary",
        type=Path,
        default=None,
        help="glossary JSON file for the project (its terms also prime speech recognition)",
    )
    p.add_argument("--mt-engine", choices=("auto", "argos", "apertium"), default="auto")
    p.add_argument(
        "--tts-engine",
        choices=("espeak", "piper", "kokoro", "xtts"),
        default=None,
        help="voice engine (default: the best installed engine for each language)",
    )
    p.add_argument("--mix", choices=("replace", "duck", "background"), default="duck")
    p.add_argument("--format", choices=("mp4", "mkv"), default="mp4")
    p.set_defaults(func=cmd_localize)


def _offline(args: argparse.Namespace) -> None:
    """--offline: no network for the rest of this process and its workers."""
    if getattr(args, "offline", False):
        go_offline()


def cmd_transcribe(args: argparse.Namespace) -> int:
    _offline(args)
    with Project.open(args.project) as p, StageProgress() as bar:
        check_media(p)  # transcribing another video would replace the segments with its words
        model = args.model or _default_model(args.language or p.meta.source_lang)
        opts = TranscribeOptions(
            model=model, language=args.language, device=args.device, restart=args.restart
        )
        s = run_stage(p, "transcribe", opts, on_event=bar.on_event)
        print(_transcribe_line(s, len(p)))
    return 0


def _default_model(language: str | None) -> str:
    """The best installed Whisper model for ``language``, said on stderr (exit 4 if none)."""
    import sys

    name = best_whisper(language, None)
    what = f"for {language}" if language else "with language detection (multilingual)"
    print(f"taura: using speech model '{name}' (the best installed {what}; --model to choose)",
          file=sys.stderr)
    return name


def _transcribe_line(s: dict[str, Any], total: int) -> str:
    if s.get("skipped"):
        return f"transcription already complete ({total} segments); --restart to redo"
    return (
        f"transcribed {s.get('segments', 0)} speech segments into {total} cues "
        f"(language {s.get('language')} p={s.get('language_probability', 0):.2f}, {s.get('device')})"
    )


def cmd_diarize(args: argparse.Namespace) -> int:
    _offline(args)
    opts = DiarizeOptions(speakers=args.speakers, restart=args.restart)
    with Project.open(args.project) as p, StageProgress() as bar:
        s = run_stage(p, "diarize", opts, on_event=bar.on_event)
        names = sorted({p.state.speakers[x.speaker_id].name for x in p.segments()
                        if x.speaker_id in p.state.speakers})
    if s.get("skipped"):
        print(f"diarization already complete ({s.get('speakers', 0)} speakers); --restart to redo")
    else:
        print(
            f"found {s.get('found', 0)} speakers in {s.get('speech_ms', 0) / 1000:.1f} s of speech; "
            f"{s.get('segments', 0)} segments assigned, {s.get('splits', 0)} split at a speaker change"
            + (f" ({', '.join(names)})" if names else "")
        )
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    _offline(args)
    opts = TranslateOptions(
        langs=tuple(args.to), engine=args.engine, only_missing=args.only_missing, force=args.force
    )
    with Project.open(args.project) as p, StageProgress() as bar:
        s = run_stage(p, "translate", opts, on_event=bar.on_event)
    if s.get("skipped"):
        print("translations already current")
    for lang, n in s.get("translated", {}).items():
        print(f"translated {n} segments to {lang}")
    return 0


def cmd_voice(args: argparse.Namespace) -> int:
    _offline(args)
    opts = VoiceOptions(
        lang=args.lang,
        engine=args.engine,
        only_missing=args.only_missing,
        max_speed=args.max_speed,
        xtts_license_accepted=args.accept_xtts_license,
    )
    with Project.open(args.project) as p, StageProgress() as bar:
        if args.max_speed is not None and p.meta.settings.get("max_speed") != args.max_speed:
            # the cap is part of what makes a clip current: keep it with the project
            p.apply(edits.set_setting(p.state, "max_speed", args.max_speed), undoable=False)
        s = run_stage(p, "voice", opts, on_event=bar.on_event)
        counts = p.stage_counts().get(args.lang, {})
    if s.get("skipped"):
        print(f"all {args.lang} clips are current")
    else:
        print(
            f"voiced {s.get('voiced', 0)} segments ({s.get('synthesized', 0)} synthesized, "
            f"{s.get('cached', 0)} from cache); {counts.get('overflow', 0)} overflow"
        )
    return 0


def cmd_localize(args: argparse.Namespace) -> int:
    _offline(args)
    asr_model = args.asr_model
    if asr_model is None and args.subs is None:
        asr_model = _default_model(args.source_lang)
    opts = LocalizeOptions(
        video=args.video,
        targets=tuple(args.to),
        subs=args.subs,
        out_dir=args.output,
        source_lang=args.source_lang,
        asr_model=asr_model,
        glossary=args.glossary,
        mt_engine=args.mt_engine,
        tts_engine=args.tts_engine,
        mix=args.mix,
        master_format=args.format,
    )
    with StageProgress() as bar:
        result = localize(opts, on_event=bar.on_event)
    print(result.summary())
    return 0
