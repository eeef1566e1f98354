"""A project's reviewed work as a Hugging Face ``audiofolder`` dataset, to train and to measure on.

One 16 kHz mono WAV per segment, cut from the source audio at the segment's times, and a
``metadata.jsonl`` row per clip with exactly ``file_name``, ``source_text``, ``translation``,
``source_lang``, ``target_lang``, ``speaker``, ``start_ms``, ``end_ms``, ``status``. It loads with
``datasets.load_dataset("audiofolder", data_dir=DIR)``.

Many projects append to one folder: a project's clips live under ``data/<project key>/<lang>/``
(the key is made from the project file's location and its media fingerprint), and exporting a
project again replaces its own rows and clips, never another project's.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.atomic import write_text_atomic
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.errors import BadInputError, UsageError
from taura_desktop.media.audio_io import write_wav
from taura_desktop.media.decode import decode_audio

SAMPLE_RATE = 16_000
METADATA = "metadata.jsonl"
FIELDS = (
    "file_name",
    "source_text",
    "translation",
    "source_lang",
    "target_lang",
    "speaker",
    "start_ms",
    "end_ms",
    "status",
)


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    folder: Path
    clips: int  # clips written for this project
    skipped: int  # segments left out (not approved, no text, no audio)
    rows: int  # rows in metadata.jsonl after the export (all projects)


def project_key(project: Project) -> str:
    """A folder name unique to the project: its file name and a hash of where it lives and of
    its media fingerprint (two projects named alike, or on copies of one video, never clash)."""
    media = project.meta.media
    ident = f"{project.path.resolve()}:{media.head_sha1 if media else ''}:{media.size if media else 0}"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", project.path.stem)[:40] or "project"
    return f"{stem}-{hashlib.sha1(ident.encode()).hexdigest()[:10]}"


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path}:{n}: not a JSON line ({exc.msg})") from None
        if not isinstance(row, dict) or "file_name" not in row:
            raise BadInputError(f"{path}:{n}: a row without file_name")
        rows.append(row)
    return rows


def export_dataset(
    project: Project, lang: str, out_dir: Path, *, approved_only: bool = False
) -> DatasetSummary:
    """Write (or refresh) this project's ``lang`` clips and rows in the dataset at ``out_dir``."""
    if lang not in project.meta.target_langs:
        raise UsageError(f"{project.path}: has no target language {lang!r}")
    media = project.meta.media
    if media is None or not Path(media.path).is_file():
        where = media.path if media else str(project.path)
        raise UsageError(f"{where}: the project's media is missing (moved or deleted?)")
    out_dir.mkdir(parents=True, exist_ok=True)
    key = project_key(project)
    prefix = f"data/{key}/{lang}/"
    meta_path = out_dir / METADATA
    kept = [r for r in _read_rows(meta_path) if not str(r["file_name"]).startswith(prefix)]
    clip_dir = out_dir / prefix
    if clip_dir.exists():
        shutil.rmtree(clip_dir)
    clip_dir.mkdir(parents=True)

    audio = decode_audio(media.path, SAMPLE_RATE)
    speakers = project.state.speakers
    rows: list[dict[str, Any]] = []
    skipped = 0
    for seg in project.segments():
        tr = seg.translation(lang)
        text = tr.text if tr is not None else ""
        if approved_only and (tr is None or tr.status is not Status.APPROVED):
            skipped += 1
            continue
        a = seg.start_ms * SAMPLE_RATE // 1000
        b = min(len(audio), seg.end_ms * SAMPLE_RATE // 1000)
        if not seg.source_text.strip() or b <= a:
            skipped += 1
            continue
        name = f"{prefix}{seg.id}.wav"
        write_wav(out_dir / name, audio[a:b], SAMPLE_RATE)
        speaker = speakers.get(seg.speaker_id or "")
        rows.append(
            {
                "file_name": name,
                "source_text": seg.source_text,
                "translation": text,
                "source_lang": project.meta.source_lang or "",
                "target_lang": lang,
                "speaker": speaker.name if speaker is not None else "",
                "start_ms": seg.start_ms,
                "end_ms": seg.end_ms,
                "status": tr.status.value if tr is not None else Status.DRAFT.value,
            }
        )
    all_rows = kept + rows
    write_text_atomic(meta_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in all_rows))
    return DatasetSummary(out_dir, len(rows), skipped, len(all_rows))
