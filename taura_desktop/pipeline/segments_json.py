"""``taura export --format json``: every segment of a project as plain JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taura_desktop.core.project import Project
from taura_desktop.errors import BadInputError, UsageError

FORMAT_VERSION = 1


def segments_json(project: Project, lang: str | None) -> dict[str, Any]:
    """``{"segments": [{id, start_ms, end_ms, speaker, source_text, translation, status, fit}]}``.

    ``speaker`` is the speaker id (``speaker_name`` its name); ``translation``, ``status``
    (draft / needs_review / approved) and ``fit`` (ok / extended / stretched / overflow) are
    those of ``lang`` and null when there is none.
    """
    if lang is not None and lang not in project.meta.target_langs and lang != project.meta.source_lang:
        langs = ", ".join(project.meta.target_langs) or "none"
        raise UsageError(f"{project.path}: no target language '{lang}' (targets: {langs})")
    speakers = project.state.speakers
    rows = []
    for seg in project.segments():
        tr = seg.translation(lang) if lang in project.meta.target_langs else None
        fit = tr.clip.fit if tr is not None and tr.clip is not None else None
        sp = speakers.get(seg.speaker_id) if seg.speaker_id else None
        rows.append(
            {
                "id": seg.id,
                "start_ms": seg.start_ms,
                "end_ms": seg.end_ms,
                "speaker": seg.speaker_id,
                "speaker_name": sp.name if sp is not None else None,
                "source_text": seg.source_text,
                "translation": tr.text if tr is not None else None,
                "status": tr.status.value if tr is not None else None,
                "fit": fit.status.value if fit is not None else None,
            }
        )
    return {
        "version": FORMAT_VERSION,
        "project": project.meta.name,
        "source_lang": project.meta.source_lang,
        "lang": lang,
        "speakers": [{"id": s.id, "name": s.name} for s in speakers.values()],
        "segments": rows,
    }


def write_segments_json(project: Project, lang: str | None, out: Path) -> Path:
    out = Path(out)
    if not out.parent.is_dir():
        raise BadInputError(f"{out}: the folder {out.parent} does not exist")
    data = json.dumps(segments_json(project, lang), ensure_ascii=False, indent=2) + "\n"
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(out)
    return out
