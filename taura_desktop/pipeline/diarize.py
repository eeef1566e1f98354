"""The diarize stage: who speaks when, from a real speaker-embedding model.

Worker: decode the audio, find speech with Silero VAD, embed 1.6 s windows of speech with the
GE2E encoder (streamed back in chunks, which the caller keeps in the project's cache so a
cancelled run resumes where it stopped), cluster the windows into speakers (the count is
estimated unless given) and return the speaker timeline.

Caller: give each segment the speaker holding most of its time, split a segment at a word
boundary where the speaker changes inside it, and create the speakers with distinct default
voices per target language. A whole run is one undo step.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, Speaker, VoiceSpec, new_id
from taura_desktop.core.project import Project
from taura_desktop.errors import CancelledError, EngineUnavailableError, MediaError, TauraError, UsageError
from taura_desktop.jobs.messages import ProgressMsg, ResultMsg, TaskSpec, WorkerMsg
from taura_desktop.media.decode import decode_audio
from taura_desktop.pipeline.engines import model_store

if TYPE_CHECKING:
    from taura_desktop.engines.speaker.base import SpeakerEncoder

STATE_KEY = "diarize"  # project setting: {"complete", "speakers", "centroids", "created"}
MODEL_NAME = "speaker-ge2e"
WINDOW_MS = 1600
HOP_MS = 800
MIN_WINDOW_MS = 400  # speech shorter than this gets no window of its own
CHUNK = 24  # windows per result message (progress, cancel and resume granularity)
MATCH_SIMILARITY = 0.75  # a new cluster is an existing speaker when its centroid is this close
MIN_RUN_MS = 700  # a speaker change inside a segment needs this much speech on each side


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    speakers: int | None = None  # None: estimate the count
    model: str = MODEL_NAME  # store name or a folder holding pretrained.pt
    range_ms: tuple[int, int] | None = None  # re-run on a selection (editor)
    restart: bool = False
    device: str = "cpu"
    models_root: str | None = None
    tts_engine: str | None = None  # voices for new speakers (None: the best installed engine)


@dataclass(frozen=True, slots=True)
class DiarizePayload:
    media: str
    model_dir: str
    device: str
    start_ms: int
    end_ms: int | None
    speakers: int | None
    done_windows: np.ndarray  # (n, 2) int64 start/end ms already embedded (resume)
    done_emb: np.ndarray  # (n, 256) float32
    encoder: str  # name of the encoder that made done_emb ("" when none)


@dataclass(frozen=True, slots=True)
class EmbeddingChunk:
    encoder: str
    windows: np.ndarray  # (n, 2) int64
    emb: np.ndarray  # (n, 256) float32


@dataclass(frozen=True, slots=True)
class DiarizeResult:
    turns: tuple[tuple[int, int, int], ...]  # (start_ms, end_ms, cluster)
    centroids: np.ndarray  # (k, 256)
    speech_ms: int
    windows: int


@dataclass
class _RunState:
    windows: list[np.ndarray] = field(default_factory=list)
    emb: list[np.ndarray] = field(default_factory=list)
    encoder: str = ""
    saved: int = 0  # chunks in the cache


def resolve_model(model: str, models_root: str | None) -> Path:
    """A model-store name (``speaker-ge2e``) or a folder/file path holding ``pretrained.pt``."""
    from taura_desktop.engines.speaker.ge2e import WEIGHTS_FILE  # lazy: +5 ms on --help

    as_path = Path(model).expanduser()
    if as_path.is_file() or (as_path.is_dir() and (as_path / WEIGHTS_FILE).is_file()):
        return as_path.resolve()
    store = model_store(models_root)
    try:
        folder = store.find_installed(model).path
    except EngineUnavailableError:
        raise EngineUnavailableError(
            f"speaker model '{model}' is not installed in {store.root}; "
            f"run `taura models download {MODEL_NAME}` (or `taura models import PATH`)"
        ) from None
    if not (folder / WEIGHTS_FILE).is_file():
        found = next(iter(sorted(folder.rglob("*.pt"))), None)
        if found is None:
            raise EngineUnavailableError(f"{folder}: no {WEIGHTS_FILE} in the speaker model folder")
        return found
    return folder


def model_available(models_root: str | None = None) -> bool:
    try:
        resolve_model(MODEL_NAME, models_root)
    except EngineUnavailableError:
        return False
    return True


def _cache_key(project: Project, range_ms: tuple[int, int] | None) -> str:
    media = project.meta.media
    head = media.head_sha1 if media else ""
    span = "all" if range_ms is None else f"{range_ms[0]}-{range_ms[1]}"
    return f"diarize:{head}:{span}"


def _load_chunks(project: Project, key: str) -> tuple[np.ndarray, np.ndarray, str, int]:
    """Embeddings a previous run kept: (windows, embeddings, encoder name, chunk count)."""
    windows: list[np.ndarray] = []
    emb: list[np.ndarray] = []
    encoder = ""
    n = 0
    while (blob := project.store.get_cache(f"{key}:{n}")) is not None:
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as data:
                w, e, enc = data["windows"], data["emb"].astype(np.float32), str(data["encoder"])
        except (ValueError, KeyError, OSError):
            break  # unreadable: recompute from here
        if encoder and enc != encoder:
            break
        encoder = enc
        windows.append(w)
        emb.append(e)
        n += 1
    if not windows:
        return np.zeros((0, 2), np.int64), np.zeros((0, 256), np.float32), "", 0
    return np.concatenate(windows), np.concatenate(emb), encoder, n


class DiarizeStage:
    name = "diarize"
    pure_plan = True  # plan() only reads the project; begin() makes the changes

    def __init__(self) -> None:
        self._run = os.urandom(4).hex()
        self._opts = DiarizeOptions()
        self._key = ""
        self._acc = _RunState()
        self.summary: dict[str, Any] = {}

    def plan(self, project: Project, options: DiarizeOptions | None) -> TaskSpec | None:
        opts = options or DiarizeOptions()
        if opts.speakers is not None and not 1 <= opts.speakers <= 20:
            raise UsageError(f"diarize: --speakers must be between 1 and 20, not {opts.speakers}")
        media = project.meta.media
        if media is None:
            raise MediaError(f"{project.path}: the project has no media to diarize")
        if not Path(media.path).is_file():
            raise MediaError(f"{media.path}: media file not found (moved or deleted?)")
        model_dir = resolve_model(opts.model, opts.models_root)  # exit 4 when missing
        state = dict(project.meta.settings.get(STATE_KEY) or {})  # type: ignore[call-overload]
        if (
            opts.range_ms is None
            and not opts.restart
            and state.get("complete")
            and state.get("requested") == opts.speakers
        ):
            return None
        self._opts = opts
        self._key = _cache_key(project, opts.range_ms)
        if opts.restart or opts.range_ms is not None:
            windows, emb, encoder, saved = np.zeros((0, 2), np.int64), np.zeros((0, 256), np.float32), "", 0
        else:
            windows, emb, encoder, saved = _load_chunks(project, self._key)
        self._acc = _RunState([windows], [emb], encoder, saved)
        start, end = opts.range_ms if opts.range_ms is not None else (0, None)
        return TaskSpec(
            self.name,
            DiarizePayload(
                media.path, str(model_dir), opts.device, start, end, opts.speakers, windows, emb, encoder
            ),
        )

    def begin(self, project: Project) -> None:  # the plan changes nothing
        return None

    def apply(self, project: Project, item: EmbeddingChunk | DiarizeResult) -> None:
        if isinstance(item, EmbeddingChunk):
            if item.encoder != self._acc.encoder:
                self._acc = _RunState([], [], item.encoder, 0 if self._acc.encoder else self._acc.saved)
            self._acc.windows.append(item.windows)
            self._acc.emb.append(item.emb)
            self._save(project, item)
            return
        assert isinstance(item, DiarizeResult)
        self.summary = assign(project, item, self._opts, merge_key=("job", self.name, self._run))

    def _save(self, project: Project, chunk: EmbeddingChunk) -> None:
        """Keep each chunk of embeddings in the project's cache as it arrives (a cancelled or
        crashed run resumes from them)."""
        buf = io.BytesIO()
        emb = chunk.emb.astype(np.float16)
        np.savez(buf, windows=chunk.windows, emb=emb, encoder=np.array(chunk.encoder))
        project.store.put_cache(f"{self._key}:{self._acc.saved}", buf.getvalue())
        self._acc.saved += 1

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]:
        if summary.get("skipped"):
            state = dict(project.meta.settings.get(STATE_KEY) or {})  # type: ignore[call-overload]
            return {**summary, "speakers": len(state.get("speakers", {}))}
        return {**summary, **self.summary}


# -- caller side: segments and speakers ----------------------------------------------------------


def _turn_speaker_ms(turns: list[tuple[int, int, int]], start: int, end: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for t0, t1, spk in turns:
        ov = min(end, t1) - max(start, t0)
        if ov > 0:
            out[spk] = out.get(spk, 0) + ov
    return out


def _nearest(turns: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    if not turns:
        return None
    mid = (start + end) / 2
    best = min(turns, key=lambda t: 0 if t[0] <= mid <= t[1] else min(abs(t[0] - mid), abs(t[1] - mid)))
    return best[2]


def _who(turns: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    held = _turn_speaker_ms(turns, start, end)
    if held:
        return max(held, key=lambda k: held[k])
    return _nearest(turns, start, end)


def word_runs(seg: Segment, turns: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Runs of the segment's words spoken by one speaker: ``[(first_word_index, cluster)]``.

    Runs shorter than ``MIN_RUN_MS`` join a neighbour, so a stray word never splits a segment.
    """
    labels = [_who(turns, w.start_ms, w.end_ms) for w in seg.words]
    runs: list[list[int]] = []  # [start_index, end_index (excl), cluster]
    for i, lab in enumerate(labels):
        if lab is None:
            continue
        if runs and runs[-1][2] == lab:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1, lab])
    changed = True
    while changed and len(runs) > 1:
        changed = False
        spans = [seg.words[r[1] - 1].end_ms - seg.words[r[0]].start_ms for r in runs]
        short = min(range(len(runs)), key=lambda j: spans[j])
        if spans[short] < MIN_RUN_MS:
            j = short
            if j == 0:
                runs[1][0] = runs[0][0]
            elif j == len(runs) - 1 or spans[j - 1] >= spans[j + 1]:
                runs[j - 1][1] = runs[j][1]
            else:
                runs[j + 1][0] = runs[j][0]
            del runs[j]
            merged: list[list[int]] = []
            for r in runs:
                if merged and merged[-1][2] == r[2]:
                    merged[-1][1] = r[1]
                else:
                    merged.append(r)
            runs = merged
            changed = True
    return [(r[0], r[2]) for r in runs]


def _match_existing(
    cent: np.ndarray, known: dict[str, list[float]], speakers: dict[str, Speaker], *, many: bool = False
) -> dict[int, str]:
    """Greedy best-first matching of new clusters to speakers with stored centroids; with
    ``many`` (a re-run on a selection) several clusters may join one known speaker."""
    pairs: list[tuple[float, int, str]] = []
    for sid, vec in known.items():
        if sid not in speakers or len(vec) != cent.shape[1]:
            continue
        v = np.asarray(vec, np.float32)
        sims = cent @ (v / max(float(np.linalg.norm(v)), 1e-8))
        pairs += [(float(s), c, sid) for c, s in enumerate(sims)]
    out: dict[int, str] = {}
    for sim, c, sid in sorted(pairs, reverse=True):
        if sim >= MATCH_SIMILARITY and c not in out and (many or sid not in out.values()):
            out[c] = sid
    return out


def _voices_for(
    project: Project, order: list[str], new_ids: list[str], engine: str | None, models_root: str | None
) -> dict[str, dict[str, VoiceSpec]]:
    """Default voices for the new speakers, per target language, distinct from each other and
    from the voices known speakers already have: the engine's alternating default first, then
    any other installed voice (other engines, espeak-ng variants)."""
    from taura_desktop.dub.voices import default_voices, voice_choices  # lazy: +11 ms on --help

    out: dict[str, dict[str, VoiceSpec]] = {sid: {} for sid in new_ids}
    for lang in project.meta.target_langs:
        try:
            specs = default_voices(order, lang, engine, models_root=models_root)
        except TauraError:
            specs = {}
        taken = {
            (sp.voices[lang].engine, sp.voices[lang].voice)
            for sp in project.state.speakers.values()
            if lang in sp.voices
        }
        pool: list[VoiceSpec] = [spec for spec, _ in voice_choices(lang, models_root)]
        with contextlib.suppress(TauraError):  # espeak-ng variants
            pool += list(default_voices(order, lang, "espeak").values())
        for sid in new_ids:
            spec = specs.get(sid)
            if spec is None or (spec.engine, spec.voice) in taken:
                spec = next((c for c in pool if (c.engine, c.voice) not in taken), spec)
            if spec is not None:
                out[sid][lang] = spec
                taken.add((spec.engine, spec.voice))
    return out


def assign(
    project: Project, result: DiarizeResult, opts: DiarizeOptions, *, merge_key: tuple[str, ...]
) -> dict[str, Any]:
    """Install a diarization result: speakers, segment assignments and splits (one undo step)."""
    turns_l: list[tuple[int, int, int]] = [(int(a), int(b), int(c)) for a, b, c in result.turns]
    state = dict(project.meta.settings.get(STATE_KEY) or {})  # type: ignore[call-overload]
    known: dict[str, list[float]] = dict(state.get("centroids") or {})
    k = len(result.centroids)
    speakers = dict(project.state.speakers)
    mapping = _match_existing(result.centroids, known, speakers, many=opts.range_ms is not None) if k else {}
    used = {c for _, _, c in turns_l}
    existing = list(project.state.speakers)
    new_ids: list[str] = []
    n_named = len(project.state.speakers)
    pending: list[Speaker] = []
    for c in range(k):
        if c in mapping or c not in used:
            continue
        sid = new_id()
        mapping[c] = sid
        n_named += 1
        pending.append(Speaker(id=sid, name=f"Speaker {n_named}"))
        new_ids.append(sid)
    voices = _voices_for(project, existing + new_ids, new_ids, opts.tts_engine, opts.models_root)
    speaker_pairs: list[tuple[Speaker | None, Speaker | None]] = [
        (None, replace(sp, voices=voices.get(sp.id, {}))) for sp in pending
    ]
    if speaker_pairs:
        project.apply(replace(edits.Edit("Diarize", speakers=tuple(speaker_pairs)), merge_key=merge_key))

    lo, hi = opts.range_ms if opts.range_ms is not None else (0, 1 << 62)
    scope = [s for s in project.segments() if s.start_ms < hi and s.end_ms > lo]
    splits = 0
    assigned = 0
    for seg in scope:
        current = seg
        runs = word_runs(current, turns_l) if len(current.words) > 1 else []
        if len(runs) > 1:
            for j in range(1, len(runs)):
                prev_w, next_w = seg.words[runs[j][0] - 1], seg.words[runs[j][0]]
                at = (prev_w.end_ms + next_w.start_ms) // 2
                at = max(at, (prev_w.start_ms + prev_w.end_ms) // 2 + 1)
                at = min(at, (next_w.start_ms + next_w.end_ms + 1) // 2 - 1)
                if not current.start_ms < at < current.end_ms:
                    continue
                edit = edits.split_segment(project.state, current.id, at)
                project.apply(replace(edit, description="Diarize", merge_key=merge_key))
                right = edit.segments[1][1]
                assert right is not None
                _set(project, current.id, mapping.get(runs[j - 1][1]), merge_key)
                current = project.segment(right.id)
                splits += 1
            _set(project, current.id, mapping.get(runs[-1][1]), merge_key)
            assigned += 1
            continue
        cluster = _who(turns_l, seg.start_ms, seg.end_ms)
        if cluster is not None and cluster in mapping:
            _set(project, seg.id, mapping[cluster], merge_key)
            assigned += 1

    holding = {s.speaker_id for s in project.state.segments.values()}
    stale = [
        sid
        for sid, name in dict(state.get("speakers") or {}).items()
        if opts.range_ms is None
        and sid not in mapping.values()
        and sid not in holding
        and sid in project.state.speakers
        and project.state.speakers[sid].name == name  # a speaker a person renamed stays
    ]
    for sid in stale:  # made by an earlier run, no longer found
        edit = edits.remove_speaker(project.state, sid)
        project.apply(replace(edit, description="Diarize", merge_key=merge_key))
        known.pop(sid, None)
    for sid in [x for x in new_ids if x not in holding]:  # found in speech no segment covers
        edit = edits.remove_speaker(project.state, sid)
        project.apply(replace(edit, description="Diarize", merge_key=merge_key))
        new_ids.remove(sid)
        mapping = {c: x for c, x in mapping.items() if x != sid}
    centroids = {mapping[c]: [round(float(x), 4) for x in result.centroids[c]] for c in mapping}
    state["centroids"] = {**known, **centroids}
    state["speakers"] = {sid: project.state.speakers[sid].name for sid in state["centroids"]
                         if sid in project.state.speakers}
    if opts.range_ms is None:  # part of the same undo step: undoing it makes the stage due again
        state.update(complete=True, requested=opts.speakers)
    edit = edits.set_setting(project.state, STATE_KEY, state)
    project.apply(replace(edit, description="Diarize", merge_key=merge_key))
    return {
        "found": len(used),
        "speakers": len(set(mapping.values())),
        "new_speakers": len(new_ids),
        "segments": assigned,
        "splits": splits,
        "speech_ms": result.speech_ms,
        "windows": result.windows,
    }


def _set(project: Project, seg_id: str, speaker_id: str | None, merge_key: tuple[str, ...]) -> None:
    if speaker_id is None:
        return
    edit = edits.set_speaker(project.state, [seg_id], speaker_id)
    project.apply(replace(edit, description="Diarize", merge_key=merge_key))


# -- worker side ----------------------------------------------------------------------------------


def speech_windows(regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """1.6 s windows every 0.8 s over each speech region; a shorter region is one window."""
    out: list[tuple[int, int]] = []
    for start, end in regions:
        length = end - start
        if length < MIN_WINDOW_MS:
            continue
        if length <= WINDOW_MS:
            out.append((start, end))
            continue
        n = int(np.ceil((length - WINDOW_MS) / HOP_MS)) + 1
        last = end - WINDOW_MS
        for i in range(n):
            s = min(start + i * HOP_MS, last)
            out.append((s, s + WINDOW_MS))
    return out


def diarize_audio(
    audio: np.ndarray,
    encoder: SpeakerEncoder,
    *,
    offset_ms: int = 0,
    speakers: int | None = None,
    done: tuple[np.ndarray, np.ndarray] | None = None,
    on_chunk: Callable[[np.ndarray, np.ndarray], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> DiarizeResult:
    """Diarize 16 kHz mono ``audio`` (times in the result are shifted by ``offset_ms``)."""
    from taura_desktop.engines.asr.vad import speech_regions  # lazy: +7 ms on --help
    from taura_desktop.engines.speaker.base import Window  # lazy: +7 ms on --help
    from taura_desktop.engines.speaker.cluster import (  # lazy: +7 ms on --help
        centroids,
        cluster,
        timeline,
    )

    regions = speech_regions(audio, 16000, min_silence_ms=250, speech_pad_ms=60, max_speech_s=60.0)
    wins = speech_windows(regions)
    have: dict[tuple[int, int], np.ndarray] = {}
    if done is not None:
        for (a, b), e in zip(done[0].tolist(), done[1], strict=True):
            have[(int(a) - offset_ms, int(b) - offset_ms)] = e
    todo = [w for w in wins if w not in have]
    for i in range(0, len(todo), CHUNK):
        if cancelled():
            raise CancelledError("diarize cancelled")
        batch = todo[i : i + CHUNK]
        clips = [audio[a * 16 : b * 16] for a, b in batch]
        emb = encoder.embed(clips)
        for w, e in zip(batch, emb, strict=True):
            have[w] = e
        if on_chunk is not None:
            on_chunk(np.asarray([(a + offset_ms, b + offset_ms) for a, b in batch], np.int64), emb)
        if progress is not None:
            progress(min(i + CHUNK, len(todo)), len(todo))
    if not wins:
        return DiarizeResult((), np.zeros((0, 256), np.float32), sum(b - a for a, b in regions), 0)
    emb_all = np.asarray([have[w] for w in wins], np.float32)
    labels = cluster(emb_all, speakers)
    cent = centroids(emb_all, labels)
    turns = timeline([Window(a, b) for a, b in wins], emb_all, cent, regions)
    return DiarizeResult(
        tuple((t.start_ms + offset_ms, t.end_ms + offset_ms, t.speaker) for t in turns),
        cent,
        sum(b - a for a, b in regions),
        len(wins),
    )


_ENCODERS: dict[tuple[str, str], SpeakerEncoder] = {}


def _encoder(model_dir: str, device: str) -> SpeakerEncoder:
    from taura_desktop.engines.speaker import open_encoder  # lazy: +5 ms on --help

    key = (model_dir, device)
    if key not in _ENCODERS:
        _ENCODERS[key] = open_encoder(model_dir, device)
    return _ENCODERS[key]


def work(
    payload: DiarizePayload, emit: Callable[[WorkerMsg], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    encoder = _encoder(payload.model_dir, payload.device)
    audio = decode_audio(payload.media, 16000, start_ms=payload.start_ms, end_ms=payload.end_ms)
    done = (payload.done_windows, payload.done_emb) if payload.encoder == encoder.name else None

    def chunk(windows: np.ndarray, emb: np.ndarray) -> None:
        emit(ResultMsg(EmbeddingChunk(encoder.name, windows, emb)))

    def progress(done_n: int, total: int) -> None:
        emit(ProgressMsg(done_n, total, "speaker windows"))

    result = diarize_audio(
        audio,
        encoder,
        offset_ms=payload.start_ms,
        speakers=payload.speakers,
        done=done,
        on_chunk=chunk,
        cancelled=cancelled,
        progress=progress,
    )
    emit(ResultMsg(result))
    return {"duration_ms": round(len(audio) / 16), "encoder": encoder.name}
