"""Argos Translate packages driven directly through CTranslate2 + SentencePiece.

argostranslate's own ``translate()`` splits text into sentences with MiniSBD (which downloads a
model when the package lacks one) and translates one sentence at a time. Subtitle segments are
already sentence-sized, so this engine tokenizes every text of a call with the package's
SentencePiece model and sends them to ``ctranslate2.Translator.translate_batch`` together.
When no direct package exists it pivots through another language (English first,
src->en->tgt), as argos does.

Installed packages live at ``<packages_root>/<name>/`` (metadata.json, sentencepiece.model,
model/) and count only when ``<packages_root>/<name>/.complete`` exists.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.device import cuda_available
from taura_desktop.engines.mt.base import (
    CancelFn,
    ProgressFn,
    check_cancel,
    model_hint,
)
from taura_desktop.errors import EngineUnavailableError

log = logging.getLogger(__name__)

PIVOT = "en"
COMPLETE_MARKER = ".complete"


@dataclass(frozen=True, slots=True)
class ArgosPackage:
    name: str  # folder name in the store
    path: Path
    from_code: str
    to_code: str
    version: str = ""
    target_prefix: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


def read_package(folder: Path) -> list[ArgosPackage]:
    """The pairs one unpacked package folder provides ([] when it is not a usable package)."""
    meta_path = folder / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable argos metadata (%s); skipped", meta_path, exc)
        return []
    if not isinstance(meta, dict) or meta.get("type", "translate") != "translate":
        return []
    froms = [meta["from_code"]] if meta.get("from_code") else list(meta.get("from_codes") or [])
    tos = [meta["to_code"]] if meta.get("to_code") else list(meta.get("to_codes") or [])
    if not (folder / "model").is_dir():
        log.warning("%s: argos package has no model/ folder; skipped", folder)
        return []
    return [
        ArgosPackage(
            name=folder.name,
            path=folder,
            from_code=str(f),
            to_code=str(t),
            version=str(meta.get("package_version", "")),
            target_prefix=str(meta.get("target_prefix", "") or ""),
        )
        for f in froms
        for t in tos
        if f != t
    ]


def discover_packages(packages_root: Path) -> list[ArgosPackage]:
    """Every complete package under packages_root, newest version first for a repeated pair."""
    root = Path(packages_root)
    if not root.is_dir():
        return []
    found: list[ArgosPackage] = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and (folder / COMPLETE_MARKER).exists():
            found.extend(read_package(folder))
    found.sort(key=lambda p: _version_key(p.version), reverse=True)
    return found


def _version_key(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.replace("_", ".").split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    return "cuda" if cuda_available() else "cpu"


class _Loaded:
    """A package's translator and tokenizer, loaded once."""

    def __init__(self, pkg: ArgosPackage, device: str, compute_type: str,
                 inter_threads: int, intra_threads: int) -> None:
        import ctranslate2
        import sentencepiece

        sp_path = pkg.path / "sentencepiece.model"
        if not sp_path.is_file():
            raise EngineUnavailableError(
                f"{pkg.path}: argos package has no sentencepiece.model (bpe packages are not "
                f"supported); install a newer translate-{pkg.from_code}_{pkg.to_code} package"
            )
        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))
        model = str(pkg.path / "model")
        try:
            self.translator = ctranslate2.Translator(
                model, device=device, compute_type=compute_type,
                inter_threads=inter_threads, intra_threads=intra_threads,
            )
            self.device = device
        except (RuntimeError, ValueError) as exc:
            if device == "cpu":
                raise EngineUnavailableError(
                    f"{pkg.path / 'model'}: cannot load translation model ({exc})"
                ) from exc
            log.warning("%s: %s unavailable (%s); falling back to CPU", model, device, exc)
            self.translator = ctranslate2.Translator(
                model, device="cpu", compute_type="auto",
                inter_threads=inter_threads, intra_threads=intra_threads,
            )
            self.device = "cpu"


class ArgosEngine:
    """MtEngine over installed argos packages (see module doc)."""

    name = "argos"

    def __init__(
        self,
        packages_root: Path,
        device: str = "auto",
        *,
        beam_size: int = 2,
        max_batch_size: int = 32,
        max_decoding_length: int = 256,
        compute_type: str = "auto",
        inter_threads: int = 1,
        intra_threads: int = 0,
        chunk_size: int = 512,
    ) -> None:
        self.packages_root = Path(packages_root)
        self.device = pick_device(device)
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
        self.max_decoding_length = max_decoding_length
        self.compute_type = compute_type
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self.chunk_size = chunk_size
        self._packages: dict[tuple[str, str], ArgosPackage] | None = None
        self._loaded: dict[Path, _Loaded] = {}
        self._lock = threading.Lock()
        #: the package chain used by the last translate_batch call (for callers/tests)
        self.last_route: tuple[ArgosPackage, ...] = ()

    # -- discovery ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget discovered packages (call after installing/removing one)."""
        with self._lock:
            self._packages = None
            self._loaded.clear()

    def packages(self) -> dict[tuple[str, str], ArgosPackage]:
        if self._packages is None:
            found: dict[tuple[str, str], ArgosPackage] = {}
            for pkg in discover_packages(self.packages_root):
                found.setdefault(pkg.pair, pkg)  # newest version wins (sorted first)
            self._packages = found
        return self._packages

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self.packages())

    def route(self, src: str, tgt: str) -> tuple[ArgosPackage, ...] | None:
        """Packages to chain for src->tgt: direct, else one pivot (English preferred)."""
        pkgs = self.packages()
        if (src, tgt) in pkgs:
            return (pkgs[(src, tgt)],)
        # pivot: English first (most packages go through it), then any other language
        middles = sorted({t for s, t in pkgs if s == src and (t, tgt) in pkgs},
                         key=lambda m: (m != PIVOT, m))
        if middles:
            return (pkgs[(src, middles[0])], pkgs[(middles[0], tgt)])
        return None

    def can_translate(self, src: str, tgt: str) -> bool:
        return src == tgt or self.route(src, tgt) is not None

    # -- translation -------------------------------------------------------------------
    def _load(self, pkg: ArgosPackage) -> _Loaded:
        with self._lock:
            loaded = self._loaded.get(pkg.path)
            if loaded is None:
                loaded = _Loaded(pkg, self.device, self.compute_type,
                                 self.inter_threads, self.intra_threads)
                self._loaded[pkg.path] = loaded
            return loaded

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
        route = self.route(src, tgt)
        if route is None:
            raise EngineUnavailableError(
                f"no argos translation package for {src}->{tgt} in {self.packages_root} "
                f"(nor through a pivot language): {model_hint(src, tgt)}"
            )
        self.last_route = route
        check_cancel(cancel)
        current = [_clean_input(t) for t in texts]
        total = len(current) * len(route)
        done = 0
        for pkg in route:
            loaded = self._load(pkg)
            out: list[str] = []
            if progress is None and cancel is None:
                out = self._translate_chunk(pkg, loaded, current)
            else:
                for start in range(0, len(current), self.chunk_size):
                    check_cancel(cancel)
                    chunk = current[start : start + self.chunk_size]
                    out.extend(self._translate_chunk(pkg, loaded, chunk))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            current = out
        check_cancel(cancel)
        return current

    def _translate_chunk(self, pkg: ArgosPackage, loaded: _Loaded, texts: list[str]) -> list[str]:
        """All non-empty texts of the chunk in ONE translate_batch call."""
        idx = [i for i, t in enumerate(texts) if t]
        result = [""] * len(texts)
        if not idx:
            return result
        tokens = [loaded.sp.encode(texts[i], out_type=str) for i in idx]
        kwargs: dict[str, Any] = {}
        if pkg.target_prefix:
            kwargs["target_prefix"] = [[pkg.target_prefix]] * len(tokens)
        batch = loaded.translator.translate_batch(
            tokens,
            max_batch_size=self.max_batch_size,
            beam_size=self.beam_size,
            num_hypotheses=1,
            replace_unknowns=True,
            length_penalty=0.2,
            max_decoding_length=self.max_decoding_length,
            **kwargs,
        )
        for i, res in zip(idx, batch, strict=True):
            hyp = list(res.hypotheses[0])
            if pkg.target_prefix and hyp and hyp[0] == pkg.target_prefix:
                hyp = hyp[1:]
            result[i] = _decode(loaded, hyp, pkg.target_prefix)
        return result


def _clean_input(text: str) -> str:
    """Subtitle line breaks are layout, not sentence breaks: translate the text as one line."""
    return " ".join(text.split())


def _decode(loaded: _Loaded, pieces: list[str], target_prefix: str) -> str:
    value: str = loaded.sp.decode_pieces(pieces)
    value = value.replace("\u2581", " ")
    if target_prefix and value.startswith(target_prefix):
        value = value[len(target_prefix) :]
    return value.strip()
