"""The transcribe stage: the video's speech -> source segments cut to the subtitle profile.

The worker decodes the audio (from where a previous run stopped) in windows of at most
``WINDOW_MS`` (cut at the quietest moment of the window's last ``CUT_SEARCH_MS``, so no word
is split), runs faster-whisper with word timestamps and Silero VAD on each window, and
streams recognized segments back: memory stays flat whatever the media length (a 3-hour
file is never held decoded in memory). The language detected in the first window is kept for
the following ones; the caller cuts each
one's words into cues (``segmentation.cutter``) and adds them, so the editor fills in as
speech is recognized and a cancelled run resumes from the last segment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, new_id
from taura_desktop.core.project import Project
from taura_desktop.errors import MediaError
from taura_desktop.jobs.messages import ProgressMsg, ResultMsg, TaskSpec, WarningMsg, WorkerMsg
from taura_desktop.media.decode import iter_audio
from taura_desktop.pipeline.engines import resolve_whisper, whisper_engine
from taura_desktop.segmentation.cutter import cut_words
from taura_desktop.segmentation.profiles import project_profile

if TYPE_CHECKING:
    from taura_desktop.engines.asr.base import AsrSegment, Device

WINDOW_MS = 10 * 60_000  # decoded audio held at once (+ CUT_SEARCH_MS): ~40 MB of float32
CUT_SEARCH_MS = 30_000  # where the quietest point that ends a window is looked for
NO_SPEECH = "no speech found in the audio"
SOURCE_ORIGIN = "source_origin"  # project setting: "asr:<model>" or "subtitles:<file name>"
STATE_KEY = "transcribe"  # project setting: {"done_until_ms": int, "complete": bool, "model": str}


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    model: str | None = None  # store name (small, large-v3, ...), a folder path, None = best installed
    language: str | None = None  # None = the project's source language, else detect
    device: Device = "auto"
    restart: bool = False  # drop existing segments and start over
    range_ms: tuple[int, int] | None = None  # re-transcribe only this range (editor action)
    models_root: str | None = None
    beam_size: int = 5
    temperature: tuple[float, ...] | None = None  # None: faster-whisper's fallback schedule


@dataclass(frozen=True, slots=True)
class TranscribePayload:
    media: str
    model_dir: str
    device: Device
    language: str | None
    start_ms: int
    end_ms: int | None
    prompt_terms: tuple[str, ...]
    beam_size: int
    temperature: tuple[float, ...] | None
    duration_ms: int | None = None  # the media's, for progress


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    language: str
    probability: float


class TranscribeStage:
    name = "transcribe"
    pure_plan = True  # plan() only reads the project; begin() makes the changes

    def __init__(self) -> None:
        self._run = os.urandom(4).hex()  # results of one run merge into one undo step
        self._range: tuple[int, int] | None = None
        self._clear: list[str] | None = None  # segments begin() removes (None: keep all)
        self._origin: str | None = None  # the source_origin setting begin() records

    def plan(self, project: Project, options: TranscribeOptions) -> TaskSpec | None:
        media = project.meta.media
        if media is None:
            raise MediaError(f"{project.path}: the project has no media to transcribe")
        if not Path(media.path).is_file():
            raise MediaError(f"{media.path}: media file not found (moved or deleted?)")
        language = options.language or project.meta.source_lang
        model_dir = resolve_whisper(options.model, options.models_root, language)  # exit 4 when missing
        state = dict(project.meta.settings.get(STATE_KEY) or {})  # type: ignore[call-overload]
        start_ms, end_ms = 0, None
        if options.range_ms is not None:
            start_ms, end_ms = options.range_ms
            self._clear = [s.id for s in project.segments() if s.start_ms < end_ms and s.end_ms > start_ms]
        elif options.restart:
            self._clear = project.state.ids()
            state = {}
        elif state.get("complete"):
            return None
        elif len(project):
            start_ms = int(state.get("done_until_ms", max(s.end_ms for s in project.segments())))
        self._range = options.range_ms
        terms = tuple(g.source for g in project.meta.glossary)
        origin = f"asr:{model_dir.name}"
        if options.range_ms is None and project.meta.settings.get(SOURCE_ORIGIN) != origin:
            self._origin = origin
        return TaskSpec(
            self.name,
            TranscribePayload(
                media.path,
                str(model_dir),
                options.device,
                language,
                start_ms,
                end_ms,
                terms,
                options.beam_size,
                options.temperature,
                media.duration_ms or None,
            ),
        )

    def begin(self, project: Project) -> None:
        """Remove what the planned run replaces (the range, or everything on restart)."""
        if self._clear:
            what = "Transcribe" if self._range is None else "Re-transcribe range"
            edit = replace(edits.remove_segments(project.state, self._clear), description=what)
            project.apply(replace(edit, merge_key=("job", self.name, self._run)))
        if self._origin is not None:
            project.apply(edits.set_setting(project.state, SOURCE_ORIGIN, self._origin), undoable=False)
        self._clear, self._origin = None, None

    def apply(self, project: Project, item: DetectedLanguage | AsrSegment) -> None:
        if isinstance(item, DetectedLanguage):
            if not project.meta.source_lang and item.language != "und":
                project.apply(edits.set_meta(project.state, "Detected language", source_lang=item.language))
            return
        lang = project.meta.source_lang or "en"
        profile = project_profile(project.meta)
        media = project.meta.media
        media_end = media.duration_ms if media is not None and media.duration_ms else None
        if item.words:
            cues = cut_words(item.words, profile, lang, end_limit_ms=media_end)
            segs = [
                Segment(new_id(), c.start_ms, c.end_ms, c.text, words=c.words, flags=c.flags + item.flags)
                for c in cues
            ]
        elif item.text.strip() and item.end_ms > item.start_ms:
            end = min(item.end_ms, media_end) if media_end else item.end_ms
            segs = [
                Segment(
                    new_id(), item.start_ms, max(end, item.start_ms + 1), item.text.strip(), flags=item.flags
                )
            ]
        else:
            segs = []
        key = ("job", self.name, self._run)
        if segs:
            self._trim_previous(project, segs[0].start_ms, profile.min_gap_ms, key)
        key = ("job", self.name, self._run)
        if segs:
            project.apply(replace(edits.add_segments(project.state, segs, "Transcribe"), merge_key=key))
        if self._range is None:
            state = {"done_until_ms": item.end_ms, "complete": False}
            project.apply(replace(edits.set_setting(project.state, STATE_KEY, state), merge_key=key))

    def _trim_previous(self, project: Project, start_ms: int, min_gap: int, key: tuple[str, ...]) -> None:
        """The cue before ``start_ms`` (the end of the previous speech segment, extended
        toward its minimum duration) must end a minimum gap before the next one starts."""
        state = project.state
        if not len(state):
            return
        i = state.index_at_time(start_ms - 1)
        prev = state.at(i)
        if prev.start_ms >= start_ms or prev.end_ms <= start_ms - min_gap:
            return
        end = max(start_ms - min_gap, prev.start_ms + 1)
        if end < prev.end_ms:
            edit = edits.set_times(state, prev.id, prev.start_ms, end)
            project.apply(replace(edit, merge_key=key))

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]:
        if not summary.get("skipped") and self._range is None:
            state = {"done_until_ms": summary.get("duration_ms", 0), "complete": True}
            project.apply(edits.set_setting(project.state, STATE_KEY, state), undoable=False)
        return summary


def quietest_cut(audio: np.ndarray, search: int, sr: int = 16000) -> int:
    """Index in ``audio`` to end a window at: the quietest 200 ms (lowest RMS) within the last
    ``search`` samples, so a window boundary falls in a pause, not inside a word."""
    n = audio.shape[0]
    lo = max(0, n - search)
    frame = sr // 50  # 20 ms
    tail = audio[lo : lo + (n - lo) // frame * frame]
    if tail.shape[0] < frame * 10:
        return int(n)
    energy = np.sqrt(np.mean(tail.reshape(-1, frame).astype(np.float64) ** 2, axis=1))
    smooth = np.convolve(energy, np.ones(10) / 10.0, mode="valid")  # 200 ms windows
    best = int(np.argmin(smooth[::-1]))  # the latest of equally quiet points
    return int(lo + (smooth.shape[0] - 1 - best + 5) * frame)


def windows(
    path: str, start_ms: int, end_ms: int | None, sr: int = 16000
) -> Iterator[tuple[int, np.ndarray]]:
    """(offset ms, audio) windows covering [start_ms, end_ms) of ``path``, each at most
    WINDOW_MS + CUT_SEARCH_MS long, consecutive, cut in pauses; decoded as they are needed."""
    chunks = iter_audio(path, sr, chunk_ms=WINDOW_MS, start_ms=start_ms, end_ms=end_ms)
    carry = np.zeros(0, dtype=np.float32)
    offset_samples = 0
    pending = next(chunks, None)
    while pending is not None:
        nxt = next(chunks, None)
        buf = np.concatenate([carry, pending]) if carry.size else pending
        if nxt is None:
            yield start_ms + offset_samples * 1000 // sr, buf
            return
        cut = quietest_cut(buf, CUT_SEARCH_MS * sr // 1000, sr)
        yield start_ms + offset_samples * 1000 // sr, buf[:cut]
        offset_samples += cut
        carry = buf[cut:].copy()
        del buf
        pending = nxt


def work(
    payload: TranscribePayload, emit: Callable[[WorkerMsg], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    from taura_desktop.engines.asr.base import AsrOptions, glossary_prompt  # lazy: +7 ms on --help

    engine = whisper_engine(payload.model_dir, payload.device)
    prompt = glossary_prompt(payload.prompt_terms) if payload.prompt_terms else None
    options = AsrOptions(
        language=payload.language,
        # measured on the demo narration with base: an initial prompt spells "Taura" right at
        # WER 0.047; the same terms as hotwords on every window gave WER 0.25
        initial_prompt=prompt or None,
        beam_size=payload.beam_size,
        best_of=payload.beam_size,
    )
    if payload.temperature is not None:
        options = replace(options, temperature=payload.temperature)
    total = payload.duration_ms or 0
    count = 0
    end = payload.start_ms
    language: str | None = None
    probability = 0.0
    device = "cpu"
    warned: set[str] = set()
    for offset, audio in windows(payload.media, payload.start_ms, payload.end_ms):
        window_ms = audio.shape[0] * 1000 // 16000

        def progress(done_ms: int, _total_ms: int, base: int = offset, span: int = window_ms) -> None:
            emit(ProgressMsg(base + done_ms, max(total, base + span), "speech"))

        info, segments = engine.transcribe(audio, options, progress=progress, cancel=cancelled)
        del audio  # the engine holds what it needs; the window goes once it is done
        device = info.device
        for warning in info.warnings:
            if warning != NO_SPEECH and warning not in warned:
                warned.add(warning)
                emit(WarningMsg(warning))
        if language is None and info.language != "und":
            language, probability = info.language, info.language_probability
            emit(ResultMsg(DetectedLanguage(info.language, info.language_probability)))
            if options.language is None:
                options = replace(options, language=info.language)
        for seg in segments:
            shifted = replace(
                seg,
                start_ms=seg.start_ms + offset,
                end_ms=seg.end_ms + offset,
                words=tuple(
                    replace(w, start_ms=w.start_ms + offset, end_ms=w.end_ms + offset) for w in seg.words
                ),
            )
            emit(ResultMsg(shifted))
            count += 1
        end = offset + info.duration_ms
    if count == 0:
        emit(WarningMsg(NO_SPEECH))
    if language is None:
        language = payload.language or "und"
        probability = 1.0 if payload.language else 0.0
        emit(ResultMsg(DetectedLanguage(language, probability)))
    return {
        "model": Path(payload.model_dir).name,
        "segments": count,
        "language": language,
        "language_probability": probability,
        "device": device,
        "duration_ms": end,
    }
