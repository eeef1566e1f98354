"""Edit commands: every change to a project is an :class:`Edit`.

An edit is data: the objects it replaces and their replacements (``(old, new)`` pairs, where
``None`` on one side means added or removed). Doing it installs the new objects, undoing it
installs the old ones, so every command gets a correct inverse for free. The functions in this
module are the commands: each validates its arguments against the current state and returns
the edit to apply with :meth:`Project.apply`.

Consecutive edits with the same ``merge_key`` (typing into one field) merge into one undo step.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Flag, auto
from typing import TYPE_CHECKING

from taura_desktop.core.model import (
    GlossaryEntry,
    Origin,
    ProjectMeta,
    Segment,
    Speaker,
    Status,
    Translation,
    VoiceClip,
    VoiceSpec,
    new_id,
    text_hash,
)
from taura_desktop.errors import UsageError

if TYPE_CHECKING:
    from taura_desktop.core.project import ProjectState

MERGE_WINDOW_S = 2.0


class EditError(UsageError):
    """An edit that does not make sense for the current state (bad id, bad times)."""


class ChangeKind(Flag):
    NONE = 0
    TIMES = auto()
    TEXT = auto()  # source text or words
    TRANSLATION = auto()  # translated text, status or flags
    VOICE = auto()  # voice clip / fit result
    SPEAKER = auto()  # a segment's speaker assignment
    ADDED = auto()
    REMOVED = auto()
    SPEAKERS = auto()  # the speaker list or voices
    META = auto()  # languages, settings, glossary, media


@dataclass(frozen=True, slots=True)
class Change:
    """What an applied (or undone) edit changed; views refresh only this."""

    description: str
    kinds: ChangeKind
    segment_ids: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    langs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Edit:
    description: str
    segments: tuple[tuple[Segment | None, Segment | None], ...] = ()
    speakers: tuple[tuple[Speaker | None, Speaker | None], ...] = ()
    meta: tuple[ProjectMeta, ProjectMeta] | None = None
    merge_key: tuple[str, ...] | None = None
    created: float = field(default_factory=time.monotonic)

    @property
    def is_empty(self) -> bool:
        return not self.segments and not self.speakers and self.meta is None

    def inverse(self) -> Edit:
        return Edit(
            description=self.description,
            segments=tuple((new, old) for old, new in reversed(self.segments)),
            speakers=tuple((new, old) for old, new in reversed(self.speakers)),
            meta=None if self.meta is None else (self.meta[1], self.meta[0]),
            merge_key=None,
            created=self.created,
        )

    def can_merge(self, later: Edit) -> bool:
        """Typing merges within a short window; results of one job run (merge keys starting
        with "job") merge into one undo step however long the job takes."""
        if self.merge_key is None or self.merge_key != later.merge_key:
            return False
        return self.merge_key[0] == "job" or later.created - self.created <= MERGE_WINDOW_S

    def merged(self, later: Edit) -> Edit:
        """One edit equivalent to doing ``self`` then ``later``: for each object, the state
        before ``self`` and the state after ``later``."""
        old: dict[str, Segment | None] = {}
        new: dict[str, Segment | None] = {}
        for o, n in self.segments + later.segments:
            sid = _sid(o, n)
            old.setdefault(sid, o)
            new[sid] = n
        segs = tuple((old[sid], new[sid]) for sid in old if old[sid] is not None or new[sid] is not None)
        sp_old: dict[str, Speaker | None] = {}
        sp_new: dict[str, Speaker | None] = {}
        for o_sp, n_sp in self.speakers + later.speakers:
            spid = (o_sp or n_sp).id  # type: ignore[union-attr]
            sp_old.setdefault(spid, o_sp)
            sp_new[spid] = n_sp
        speakers = tuple(
            (sp_old[k], sp_new[k]) for k in sp_old if sp_old[k] is not None or sp_new[k] is not None
        )
        meta = (
            self.meta
            if later.meta is None
            else (later.meta if self.meta is None else (self.meta[0], later.meta[1]))
        )
        return replace(later, segments=segs, speakers=speakers, meta=meta)


def _sid(old: Segment | None, new: Segment | None) -> str:
    seg = old if old is not None else new
    assert seg is not None
    return seg.id


def describe_change(edit: Edit) -> Change:
    """Derive what changed by comparing old and new objects field by field."""
    kinds = ChangeKind.NONE
    ids: set[str] = set()
    added: set[str] = set()
    removed: set[str] = set()
    langs: set[str] = set()
    for old, new in edit.segments:
        if old is None and new is not None:
            kinds |= ChangeKind.ADDED
            added.add(new.id)
            ids.add(new.id)
            continue
        if new is None and old is not None:
            kinds |= ChangeKind.REMOVED
            removed.add(old.id)
            ids.add(old.id)
            continue
        assert old is not None and new is not None
        ids.add(new.id)
        if (old.start_ms, old.end_ms) != (new.start_ms, new.end_ms):
            kinds |= ChangeKind.TIMES
        if old.source_text != new.source_text or old.words != new.words:
            kinds |= ChangeKind.TEXT
        if old.speaker_id != new.speaker_id:
            kinds |= ChangeKind.SPEAKER
        if old.flags != new.flags:
            kinds |= ChangeKind.TEXT
        if old.translations != new.translations:
            for lang in set(old.translations) | set(new.translations):
                a, b = old.translations.get(lang), new.translations.get(lang)
                if a == b:
                    continue
                langs.add(lang)
                if (a.clip if a else None) != (b.clip if b else None):
                    kinds |= ChangeKind.VOICE
                if (replace(a, clip=None) if a else None) != (replace(b, clip=None) if b else None):
                    kinds |= ChangeKind.TRANSLATION
    if edit.speakers:
        kinds |= ChangeKind.SPEAKERS
    if edit.meta is not None:
        kinds |= ChangeKind.META
    return Change(
        description=edit.description,
        kinds=kinds,
        segment_ids=frozenset(ids),
        added=frozenset(added),
        removed=frozenset(removed),
        langs=frozenset(langs),
    )


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _get(state: ProjectState, seg_id: str) -> Segment:
    seg = state.segments.get(seg_id)
    if seg is None:
        raise EditError(f"no segment with id {seg_id!r}")
    return seg


def _check_times(start_ms: int, end_ms: int) -> None:
    if start_ms < 0 or end_ms <= start_ms:
        raise EditError(f"invalid segment times {start_ms}..{end_ms} ms (start must be >= 0 and < end)")


def set_times(state: ProjectState, seg_id: str, start_ms: int, end_ms: int) -> Edit:
    seg = _get(state, seg_id)
    _check_times(start_ms, end_ms)
    return Edit(
        "Retime segment",
        segments=((seg, replace(seg, start_ms=int(start_ms), end_ms=int(end_ms))),),
        merge_key=("times", seg_id),
    )


def shift_segments(state: ProjectState, seg_ids: Sequence[str], delta_ms: int) -> Edit:
    pairs = []
    for sid in seg_ids:
        seg = _get(state, sid)
        _check_times(seg.start_ms + delta_ms, seg.end_ms + delta_ms)
        words = tuple(
            replace(w, start_ms=w.start_ms + delta_ms, end_ms=w.end_ms + delta_ms) for w in seg.words
        )
        pairs.append(
            (seg, replace(seg, start_ms=seg.start_ms + delta_ms, end_ms=seg.end_ms + delta_ms, words=words))
        )
    return Edit("Shift segments", segments=tuple(pairs))


def set_source_text(state: ProjectState, seg_id: str, text: str) -> Edit:
    """A person's edit of the source text (words are dropped when the text changes)."""
    seg = _get(state, seg_id)
    words = seg.words if " ".join(w.text.strip() for w in seg.words) == text.strip() else ()
    new = replace(seg, source_text=text, source_origin=Origin.PERSON, words=words)
    return Edit("Edit source text", segments=((seg, new),), merge_key=("source", seg_id))


def set_translation_text(
    state: ProjectState, seg_id: str, lang: str, text: str, *, origin: Origin = Origin.PERSON
) -> Edit:
    seg = _get(state, seg_id)
    old = seg.translation(lang) or Translation()
    draft = old.draft
    if origin is Origin.PERSON and old.origin is not Origin.PERSON and not draft:
        draft = old.text  # what the engine said, kept to learn from the person's change
    new_tr = replace(
        old,
        text=text,
        draft=draft,
        origin=origin,
        source_hash=text_hash(seg.source_text),
        status=Status.NEEDS_REVIEW
        if origin is Origin.PERSON and old.status is Status.APPROVED
        else old.status,
    )
    return Edit(
        f"Edit {lang} translation",
        segments=((seg, seg.with_translation(lang, new_tr)),),
        merge_key=("translation", seg_id, lang),
    )


def apply_engine_translations(
    state: ProjectState,
    lang: str,
    texts: Mapping[str, str],
    *,
    engine: str,
    force: bool = False,
    flags: Mapping[str, Sequence[str]] | None = None,
) -> Edit:
    """Engine results. A person's translation is never overwritten unless ``force``."""
    pairs = []
    for sid, text in texts.items():
        seg = state.segments.get(sid)
        if seg is None:
            continue  # removed while the engine ran
        old = seg.translation(lang)
        if old is not None and old.origin is Origin.PERSON and not force:
            continue
        new_tr = Translation(
            text=text,
            origin=Origin.ENGINE,
            status=Status.DRAFT,
            source_hash=text_hash(seg.source_text),
            engine=engine,
            clip=None,
            flags=tuple((flags or {}).get(sid, ())),
        )
        if old == new_tr:
            continue
        pairs.append((seg, seg.with_translation(lang, new_tr)))
    return Edit(f"Translate to {lang}", segments=tuple(pairs))


def set_status(state: ProjectState, seg_ids: Iterable[str], lang: str, status: Status) -> Edit:
    pairs = []
    for sid in seg_ids:
        seg = _get(state, sid)
        tr = seg.translation(lang)
        if tr is None:
            raise EditError(f"segment {sid} has no {lang} translation")
        if tr.status is not status:
            pairs.append((seg, seg.with_translation(lang, replace(tr, status=status))))
    label = {
        Status.APPROVED: "Approve",
        Status.NEEDS_REVIEW: "Mark for review",
        Status.DRAFT: "Mark as draft",
    }
    return Edit(label[status], segments=tuple(pairs))


def set_clips(state: ProjectState, lang: str, clips: Mapping[str, VoiceClip | None]) -> Edit:
    pairs = []
    for sid, clip in clips.items():
        seg = state.segments.get(sid)
        tr = None if seg is None else seg.translation(lang)
        if seg is None or tr is None or tr.clip == clip:
            continue
        pairs.append((seg, seg.with_translation(lang, replace(tr, clip=clip))))
    return Edit(f"Voice {lang}", segments=tuple(pairs))


def set_speaker(state: ProjectState, seg_ids: Iterable[str], speaker_id: str | None) -> Edit:
    if speaker_id is not None and speaker_id not in state.speakers:
        raise EditError(f"no speaker with id {speaker_id!r}")
    pairs = []
    for sid in seg_ids:
        seg = _get(state, sid)
        if seg.speaker_id != speaker_id:
            pairs.append((seg, replace(seg, speaker_id=speaker_id)))
    return Edit("Assign speaker", segments=tuple(pairs))


def add_segments(state: ProjectState, segments: Sequence[Segment], description: str = "Add segments") -> Edit:
    for seg in segments:
        if seg.id in state.segments:
            raise EditError(f"segment id {seg.id!r} already exists")
        _check_times(seg.start_ms, seg.end_ms)
    return Edit(description, segments=tuple((None, s) for s in segments))


def remove_segments(state: ProjectState, seg_ids: Iterable[str]) -> Edit:
    return Edit("Delete segments", segments=tuple((_get(state, sid), None) for sid in seg_ids))


def replace_segments(state: ProjectState, segments: Sequence[Segment], description: str) -> Edit:
    """Install new versions of existing segments (engine results: words, re-cut times)."""
    return Edit(description, segments=tuple((_get(state, s.id), s) for s in segments))


def replace_all_segments(state: ProjectState, segments: Sequence[Segment], description: str) -> Edit:
    """Remove every segment and add ``segments`` (a fresh transcription or import)."""
    pairs: list[tuple[Segment | None, Segment | None]] = [(s, None) for s in state.ordered()]
    pairs += [(None, s) for s in segments]
    return Edit(description, segments=tuple(pairs))


def split_segment(state: ProjectState, seg_id: str, at_ms: int) -> Edit:
    """Split at ``at_ms``; words (and text, by words or by proportion) go to each side.

    Translations are split in proportion too and marked for review; clips are dropped.
    """
    seg = _get(state, seg_id)
    if not seg.start_ms < at_ms < seg.end_ms:
        raise EditError(f"split point {at_ms} ms is outside segment {seg.start_ms}..{seg.end_ms} ms")
    frac = (at_ms - seg.start_ms) / seg.duration_ms
    if seg.words:
        left_w = tuple(w for w in seg.words if (w.start_ms + w.end_ms) / 2 < at_ms)
        right_w = seg.words[len(left_w) :]
        left_text = " ".join(w.text.strip() for w in left_w)
        right_text = " ".join(w.text.strip() for w in right_w)
    else:
        left_w, right_w = (), ()
        left_text, right_text = split_text(seg.source_text, frac)
    left_tr: dict[str, Translation] = {}
    right_tr: dict[str, Translation] = {}
    for lang, tr in seg.translations.items():
        a, b = split_text(tr.text, frac)
        left_tr[lang] = replace(
            tr, text=a, clip=None, status=Status.NEEDS_REVIEW, source_hash=text_hash(left_text)
        )
        right_tr[lang] = replace(
            tr, text=b, clip=None, status=Status.NEEDS_REVIEW, source_hash=text_hash(right_text)
        )
    left = replace(seg, end_ms=at_ms, source_text=left_text, words=left_w, translations=left_tr)
    right = Segment(
        id=new_id(),
        start_ms=at_ms,
        end_ms=seg.end_ms,
        source_text=right_text,
        speaker_id=seg.speaker_id,
        source_origin=seg.source_origin,
        words=right_w,
        translations=right_tr,
        flags=seg.flags,
    )
    return Edit("Split segment", segments=((seg, left), (None, right)))


def merge_segments(state: ProjectState, first_id: str, second_id: str) -> Edit:
    a, b = _get(state, first_id), _get(state, second_id)
    if b.start_ms < a.start_ms:
        a, b = b, a
    trs: dict[str, Translation] = {}
    for lang in list(a.translations) + [x for x in b.translations if x not in a.translations]:
        ta, tb = a.translation(lang), b.translation(lang)
        text = " ".join(t.text.strip() for t in (ta, tb) if t is not None and t.text.strip())
        base = ta or tb
        assert base is not None
        origin = Origin.PERSON if Origin.PERSON in {t.origin for t in (ta, tb) if t} else base.origin
        trs[lang] = replace(base, text=text, clip=None, status=Status.NEEDS_REVIEW, origin=origin)
    source = " ".join(t for t in (a.source_text.strip(), b.source_text.strip()) if t)
    for lang, tr in trs.items():
        trs[lang] = replace(tr, source_hash=text_hash(source))
    merged = replace(
        a,
        end_ms=max(a.end_ms, b.end_ms),
        source_text=source,
        words=a.words + b.words,
        translations=trs,
        flags=tuple(dict.fromkeys(a.flags + b.flags)),
    )
    return Edit("Merge segments", segments=((a, merged), (b, None)))


def split_text(text: str, frac: float) -> tuple[str, str]:
    """Split at the space closest to ``frac`` of the text's length."""
    text = text.strip()
    if not text:
        return "", ""
    target = frac * len(text)
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return (text, "") if frac >= 0.5 else ("", text)
    cut = min(spaces, key=lambda i: abs(i - target))
    return text[:cut].strip(), text[cut + 1 :].strip()


# -- speakers ---------------------------------------------------------------------------------


def add_speaker(state: ProjectState, name: str, speaker_id: str | None = None) -> Edit:
    sp = Speaker(id=speaker_id or new_id(), name=name)
    if sp.id in state.speakers:
        raise EditError(f"speaker id {sp.id!r} already exists")
    return Edit("Add speaker", speakers=((None, sp),))


def rename_speaker(state: ProjectState, speaker_id: str, name: str) -> Edit:
    sp = state.speakers.get(speaker_id)
    if sp is None:
        raise EditError(f"no speaker with id {speaker_id!r}")
    return Edit("Rename speaker", speakers=((sp, replace(sp, name=name)),), merge_key=("speaker", speaker_id))


def set_voice(state: ProjectState, speaker_id: str, lang: str, voice: VoiceSpec) -> Edit:
    sp = state.speakers.get(speaker_id)
    if sp is None:
        raise EditError(f"no speaker with id {speaker_id!r}")
    voices = dict(sp.voices)
    voices[lang] = voice
    return Edit(f"Set {lang} voice", speakers=((sp, replace(sp, voices=voices)),))


def merge_speakers(state: ProjectState, keep_id: str, merge_ids: Iterable[str]) -> Edit:
    """Give every segment of ``merge_ids`` to ``keep_id`` and remove those speakers (one step)."""
    if keep_id not in state.speakers:
        raise EditError(f"no speaker with id {keep_id!r}")
    gone = [sid for sid in dict.fromkeys(merge_ids) if sid != keep_id]
    for sid in gone:
        if sid not in state.speakers:
            raise EditError(f"no speaker with id {sid!r}")
    moved = tuple(
        (s, replace(s, speaker_id=keep_id)) for s in state.ordered() if s.speaker_id in set(gone)
    )
    removed = tuple((state.speakers[sid], None) for sid in gone)
    return Edit("Merge speakers", segments=moved, speakers=removed)


def remove_speaker(state: ProjectState, speaker_id: str) -> Edit:
    sp = state.speakers.get(speaker_id)
    if sp is None:
        raise EditError(f"no speaker with id {speaker_id!r}")
    unassign = tuple((s, replace(s, speaker_id=None)) for s in state.ordered() if s.speaker_id == speaker_id)
    return Edit("Remove speaker", segments=unassign, speakers=((sp, None),))


# -- project metadata ---------------------------------------------------------------------------


def set_meta(state: ProjectState, description: str, **changes: object) -> Edit:
    new = replace(state.meta, **changes)  # type: ignore[arg-type]
    return Edit(description, meta=(state.meta, new))


def add_target_langs(state: ProjectState, langs: Iterable[str]) -> Edit:
    current = list(state.meta.target_langs)
    for lang in langs:
        if lang not in current:
            current.append(lang)
    return set_meta(state, "Add target language", target_langs=tuple(current))


def set_glossary(state: ProjectState, entries: Sequence[GlossaryEntry]) -> Edit:
    return set_meta(state, "Edit glossary", glossary=tuple(entries))


def set_setting(state: ProjectState, key: str, value: object) -> Edit:
    settings = dict(state.meta.settings)
    settings[key] = value
    return set_meta(state, f"Change {key}", settings=settings)
