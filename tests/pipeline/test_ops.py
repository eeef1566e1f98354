"""Project operations shared by the CLI and the editor."""

from __future__ import annotations

import numpy as np

from taura_desktop.app import peaks, review
from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.jobs.worker import Worker
from taura_desktop.media.peaks import Peaks, compute_peaks
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.translate import TranslateOptions


def test_waveform_peaks_are_cached_in_the_project(subs_project: Project) -> None:
    assert peaks.cached_peaks(subs_project) is None
    media = subs_project.meta.media
    assert media is not None
    got = compute_peaks(media.path, peaks.PEAKS_BUCKET_MS)
    assert isinstance(got, Peaks) and len(got) > 0
    peaks.store_peaks(subs_project, got)
    keys = [k for (k,) in subs_project.store._db.execute("SELECT key FROM cache")]
    assert len(keys) == 1 and keys[0].startswith("peaks:")
    again = peaks.cached_peaks(subs_project)
    assert again is not None  # read back from the cache
    stored = Peaks.from_bytes(got.to_bytes())
    assert again.bucket_ms == stored.bucket_ms
    np.testing.assert_array_equal(again.mins, stored.mins)
    np.testing.assert_array_equal(again.maxs, stored.maxs)


def test_approved_translations_feed_the_memory(subs_project: Project, worker: Worker) -> None:
    first = subs_project.segments()[0]
    subs_project.apply(edits.set_translation_text(subs_project.state, first.id, "es", "Bienvenidos a Taura."))
    review.approve(subs_project, [first.id], "es")
    assert subs_project.segment(first.id).translations["es"].status is Status.APPROVED
    # a segment with the same source text elsewhere gets the approved text from the memory
    dup = subs_project.segments()[1]
    subs_project.apply(edits.set_source_text(subs_project.state, dup.id, first.source_text))
    run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    tr = subs_project.segment(dup.id).translations["es"]
    assert tr.text == "Bienvenidos a Taura." and tr.engine == "memory"


def test_cloned_voices_get_reference_audio_from_their_own_speaker(subs_project: Project) -> None:
    from taura_desktop.core.model import VoiceSpec
    from taura_desktop.pipeline.voice import VoiceItem, clone_references

    ids = subs_project.state.ids()
    subs_project.apply(edits.add_speaker(subs_project.state, "Ann", "ann"))
    subs_project.apply(edits.add_speaker(subs_project.state, "Bob", "bob"))
    subs_project.apply(edits.set_speaker(subs_project.state, ids[: len(ids) // 2], "ann"))
    subs_project.apply(edits.set_speaker(subs_project.state, ids[len(ids) // 2 :], "bob"))
    ann = VoiceSpec("xtts", "ann")
    chosen = VoiceSpec("xtts", "", reference_segment_ids=(ids[-1],))
    items = [VoiceItem(ids[0], "Hola", ann, (0, 1, None)), VoiceItem(ids[1], "Hola", chosen, (0, 1, None))]
    refs = clone_references(subs_project, items)
    ann_ranges = {(s.start_ms, s.end_ms) for s in subs_project.segments() if s.speaker_id == "ann"}
    assert refs["ann"] and set(refs["ann"]) <= ann_ranges  # picked from Ann's own segments
    assert sum(b - a for a, b in refs["ann"]) >= 6000 or set(refs["ann"]) == ann_ranges
    last = subs_project.segment(ids[-1])
    assert list(refs.values())[1] == ((last.start_ms, last.end_ms),)  # the user's choice wins
