"""Rule-based translation with the system ``apertium`` command.

A whole batch goes through ONE apertium process: each segment is HTML-escaped and wrapped in
its own numbered block ``<p id="tN">...</p>`` and translated with ``-f html``. Block tags are
superblanks to apertium: they pass through unchanged and words never move across them, so
segments keep their count and order (empty ones included) and can be read back by id.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from taura_desktop.engines.mt.base import (
    CancelFn,
    ProgressFn,
    check_cancel,
    iso1,
    model_hint,
)
from taura_desktop.errors import EngineUnavailableError

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")
_BLOCK_RE = re.compile(r'<p id="t(\d+)">(.*?)</p>', re.DOTALL)
_MODE_RE = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z]+)?)-([a-z]{2,3}(?:_[A-Za-z]+)?)$")


def parse_mode(mode: str) -> tuple[str, str] | None:
    """``eng-spa`` -> ("en", "es"); ``spa-eng_US`` -> ("es", "en_US"); debug modes -> None."""
    m = _MODE_RE.match(mode.strip())
    if not m:
        return None
    return iso1(m.group(1)), iso1(m.group(2))


class ApertiumEngine:
    """MtEngine over the installed apertium language pairs."""

    name = "apertium"

    def __init__(
        self,
        binary: str = "apertium",
        *,
        modes_dir: Path | None = None,
        mark_unknown: bool = False,
        timeout_s: float = 600.0,
        chunk_size: int = 1000,
    ) -> None:
        self.binary = binary
        self.modes_dir = modes_dir
        self.mark_unknown = mark_unknown
        self.timeout_s = timeout_s
        self.chunk_size = chunk_size
        self._modes: dict[tuple[str, str], str] | None = None

    # -- discovery ---------------------------------------------------------------------
    def executable(self) -> str | None:
        return shutil.which(self.binary)

    def modes(self) -> dict[tuple[str, str], str]:
        """(src, tgt) -> apertium mode name, e.g. ("en", "es") -> "eng-spa"."""
        if self._modes is not None:
            return self._modes
        names: list[str] = []
        exe = self.executable()
        if exe is not None:
            if self.modes_dir is not None:
                names = [p.stem for p in sorted(self.modes_dir.glob("*.mode"))]
            else:
                try:
                    out = subprocess.run(
                        [exe, "-l"], capture_output=True, text=True, timeout=30, check=False
                    ).stdout
                    names = [line.strip() for line in out.splitlines() if line.strip()]
                except (OSError, subprocess.SubprocessError):
                    names = []
                if not names and DEFAULT_MODES_DIR.is_dir():
                    names = [p.stem for p in sorted(DEFAULT_MODES_DIR.glob("*.mode"))]
        found: dict[tuple[str, str], str] = {}
        for name in names:
            pair = parse_mode(name)
            if pair is not None:
                found.setdefault(pair, name)
        self._modes = found
        return found

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self.modes())

    def mode_for(self, src: str, tgt: str) -> str | None:
        modes = self.modes()
        if (src, tgt) in modes:
            return modes[(src, tgt)]
        # a regional target ("en" asked, only "en_US" installed) or source
        for (s, t), mode in sorted(modes.items()):
            if s.split("_")[0] == src.split("_")[0] and t.split("_")[0] == tgt.split("_")[0]:
                if "_" in src or "_" in tgt:
                    if (s, t) == (src, tgt):
                        return mode
                    continue
                return mode
        return None

    def can_translate(self, src: str, tgt: str) -> bool:
        return src == tgt or self.mode_for(src, tgt) is not None

    # -- translation -------------------------------------------------------------------
    def translate_batch(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> list[str]:
        texts = list(texts)
        if src == tgt:
            return texts
        exe = self.executable()
        if exe is None:
            raise EngineUnavailableError(
                f"no translation engine for {src}->{tgt}: apertium is not installed "
                f"(`{self.binary}` not found); {model_hint(src, tgt)}"
            )
        mode = self.mode_for(src, tgt)
        if mode is None:
            raise EngineUnavailableError(
                f"no apertium pair for {src}->{tgt} (installed: "
                f"{', '.join(sorted(self.modes().values())) or 'none'}): {model_hint(src, tgt)}"
            )
        check_cancel(cancel)
        if progress is None and cancel is None:
            return self._run(exe, mode, texts, tgt)
        out: list[str] = []
        for start in range(0, len(texts), self.chunk_size):
            check_cancel(cancel)
            out.extend(self._run(exe, mode, texts[start : start + self.chunk_size], tgt))
            if progress is not None:
                progress(len(out), len(texts))
        return out

    def _run(self, exe: str, mode: str, texts: list[str], tgt: str) -> list[str]:
        payload = "\n".join(
            f'<p id="t{i}">{html.escape(" ".join(t.split()), quote=False)}</p>'
            for i, t in enumerate(texts)
        )
        cmd = [exe, "-f", "html"]
        if not self.mark_unknown:
            cmd.append("-u")
        if self.modes_dir is not None:
            cmd += ["-d", str(self.modes_dir.parent)]
        cmd.append(mode)
        try:
            proc = subprocess.run(
                cmd, input=payload, capture_output=True, text=True, encoding="utf-8",
                timeout=self.timeout_s, check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailableError(f"apertium {mode}: cannot run ({exc})") from exc
        if proc.returncode != 0:
            err = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise EngineUnavailableError(f"apertium {mode}: failed with exit {proc.returncode}: {err}")
        found = {int(m.group(1)): m.group(2) for m in _BLOCK_RE.finditer(proc.stdout)}
        if len(found) != len(texts) or any(i not in found for i in range(len(texts))):
            if len(texts) > 1:  # a block got mangled: fall back to one call per segment
                return [self._run(exe, mode, [t], tgt)[0] for t in texts]
            raise EngineUnavailableError(f"apertium {mode}: output could not be read back")
        return [
            tidy(html.unescape(found[i]), texts[i], tgt, self.mark_unknown)
            for i in range(len(texts))
        ]


_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?…)\]}»])")
_SPACE_BEFORE_FR = re.compile(r"\s+([.,…)\]}])")
_SPACE_AFTER = re.compile(r"([(\[{«¿¡])\s+")


def tidy(out: str, source: str, tgt: str = "", mark_unknown: bool = False) -> str:
    """Remove apertium's debug marks and spacing quirks from one translated segment."""
    if not source.strip():
        return ""
    if not mark_unknown:
        for mark in "#@*":
            if mark not in source:  # real '#', '@', '*' in the text stay
                out = re.sub(rf"(?<![\w{re.escape(mark)}]){re.escape(mark)}(?=\w)", "", out)
    out = out.replace("\r", "")
    lines = [_SPACES.sub(" ", line).strip() for line in out.split("\n")]
    out = " ".join(line for line in lines if line)
    before = _SPACE_BEFORE_FR if tgt.startswith("fr") else _SPACE_BEFORE
    out = before.sub(r"\1", out)
    out = _SPACE_AFTER.sub(r"\1", out)
    return out.strip()
