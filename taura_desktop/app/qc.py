"""Subtitle QC of a project with the profile its settings name."""

from __future__ import annotations

import json
from pathlib import Path

from taura_desktop.atomic import write_text_atomic
from taura_desktop.core.project import Project
from taura_desktop.segmentation.profiles import Profile, project_profile
from taura_desktop.segmentation.qc import QcInput, QcReport, check_cues, to_json


def profile_of(project: Project) -> Profile:
    """The project's subtitle profile at its frame rate (UsageError when the name is unknown)."""
    return project_profile(project.meta)


def qc_inputs(project: Project, lang: str | None = None) -> tuple[str, list[QcInput]]:
    """The language code and the cues QC judges for ``lang`` (None = source). Cheap: the
    editor builds these on its thread and runs :func:`check_cues` on another."""
    source = lang is None or lang == project.meta.source_lang
    code = (project.meta.source_lang or "en") if source else (lang or "en")
    items = []
    for s in project.segments():
        if source:
            text = s.source_text
        else:
            tr = s.translation(code)
            if tr is None:
                continue
            text = tr.text
        items.append(QcInput(s.id, s.start_ms, s.end_ms, text))
    return code, items


def qc_reports(project: Project, lang: str | None = None) -> list[QcReport]:
    code, items = qc_inputs(project, lang)
    return check_cues(items, profile_of(project), code)


def languages(project: Project) -> list[str]:
    """The source language (when known) and the targets."""
    src = [project.meta.source_lang] if project.meta.source_lang else []
    return src + list(project.meta.target_langs)


def write_qc_report(project: Project, out: Path) -> Path:
    """Every language's QC report as one JSON file (written atomically)."""
    report = {lang: to_json(qc_reports(project, lang)) for lang in languages(project)}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps(report, ensure_ascii=False, indent=2))
    return out
