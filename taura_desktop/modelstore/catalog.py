"""The catalog of models Taura knows how to download, with sizes and licenses.

Every entry names where it comes from (``source``) and its license; ``commercial_use`` is
False for models whose license forbids commercial use (shown by ``taura models list`` and
by ``license_notice``). Names are unique across engines, so ``taura models download NAME``
needs no engine.

Source forms:
- ``hf:OWNER/REPO`` — a Hugging Face model repository (``allow_patterns`` picks the files).
- ``argos:translate-xx_yy`` — a package of the Argos package index.
- ``manual:...`` — not downloadable by Taura; import it with ``taura models import PATH``.
"""

from __future__ import annotations

from dataclasses import dataclass

from taura_desktop.errors import EngineUnavailableError

ENGINES: tuple[str, ...] = ("whisper", "argos", "piper", "xtts", "separation")

# Whisper's language codes in its token order (multilingual checkpoints, v3 adds "yue").
_WHISPER_LANGS: tuple[str, ...] = (
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
    "it", "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
    "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
    "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su",
)  # fmt: skip
_WHISPER_V3_LANGS: tuple[str, ...] = (*_WHISPER_LANGS, "yue")

# Files each engine needs in an installed model folder (checked on install and verify).
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "whisper": ("model.bin", "config.json", "tokenizer.json"),
    "argos": ("metadata.json", "sentencepiece.model", "model/model.bin"),
    "piper": ("*.onnx", "*.onnx.json"),
    "xtts": ("config.json", "model.pth", "vocab.json"),
    "separation": ("*.onnx",),
}

_WHISPER_PATTERNS: tuple[str, ...] = (
    "config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
    "preprocessor_config.json",
)


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    engine: str
    languages: tuple[str, ...]
    size_mb: int
    license: str
    license_url: str
    source: str
    commercial_use: bool
    notes: str = ""
    allow_patterns: tuple[str, ...] = ()
    revision: str | None = None

    @property
    def source_kind(self) -> str:
        """``hf``, ``argos`` or ``manual``."""
        return self.source.split(":", 1)[0]

    @property
    def source_id(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else self.source

    @property
    def downloadable(self) -> bool:
        return self.source_kind in ("hf", "argos")


_MIT_WHISPER = "https://github.com/openai/whisper/blob/main/LICENSE"


def _whisper(name: str, repo: str, size_mb: int, langs: tuple[str, ...], notes: str) -> CatalogEntry:
    return CatalogEntry(
        name=name,
        engine="whisper",
        languages=langs,
        size_mb=size_mb,
        license="MIT",
        license_url=_MIT_WHISPER,
        source=f"hf:{repo}",
        commercial_use=True,
        notes=notes,
        allow_patterns=_WHISPER_PATTERNS,
    )


def _argos(src: str, dst: str, size_mb: int) -> CatalogEntry:
    return CatalogEntry(
        name=f"translate-{src}_{dst}",
        engine="argos",
        languages=(src, dst),
        size_mb=size_mb,
        license="CC0-1.0",
        license_url="https://github.com/argosopentech/argospm-index",
        source=f"argos:translate-{src}_{dst}",
        commercial_use=True,
        notes=f"Argos Translate {src}->{dst} package; license as listed in the Argos package index",
    )


def _piper(
    voice: str, size_mb: int, license: str, commercial: bool, notes: str = ""
) -> CatalogEntry:
    lang_region, speaker, quality = voice.split("-")
    lang = lang_region.split("_")[0]
    folder = f"{lang}/{lang_region}/{speaker}/{quality}"
    return CatalogEntry(
        name=voice,
        engine="piper",
        languages=(lang,),
        size_mb=size_mb,
        license=license,
        license_url=f"https://huggingface.co/rhasspy/piper-voices/blob/main/{folder}/MODEL_CARD",
        source="hf:rhasspy/piper-voices",
        commercial_use=commercial,
        notes=notes or f"Piper voice {voice}",
        allow_patterns=(f"{folder}/{voice}.onnx", f"{folder}/{voice}.onnx.json", f"{folder}/MODEL_CARD"),
    )


_ENTRIES: tuple[CatalogEntry, ...] = (
    _whisper("tiny", "Systran/faster-whisper-tiny", 75, _WHISPER_LANGS, "fastest, lowest accuracy"),
    _whisper("base", "Systran/faster-whisper-base", 145, _WHISPER_LANGS, "fast draft quality"),
    _whisper("small", "Systran/faster-whisper-small", 484, _WHISPER_LANGS, "good CPU default"),
    _whisper("medium", "Systran/faster-whisper-medium", 1530, _WHISPER_LANGS, "GPU recommended"),
    _whisper("large-v3", "Systran/faster-whisper-large-v3", 3090, _WHISPER_V3_LANGS,
             "best accuracy, GPU recommended"),
    _whisper("large-v3-turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo", 1620,
             _WHISPER_V3_LANGS,
             "near large-v3 accuracy, much faster (mirror: deepdml/faster-whisper-large-v3-turbo-ct2)"),
    _whisper("distil-large-v3", "Systran/faster-distil-whisper-large-v3", 1510, ("en",),
             "English only, fast"),
    _argos("en", "es", 92),
    _argos("es", "en", 92),
    _argos("en", "fr", 92),
    _argos("fr", "en", 92),
    _argos("en", "de", 92),
    _argos("de", "en", 92),
    _argos("es", "pt", 92),
    _argos("pt", "es", 92),
    _argos("en", "pt", 92),
    _argos("pt", "en", 92),
    _piper("en_US-lessac-medium", 63, "Blizzard 2011 (Lessac dataset)", False,
           "dataset license restricts commercial use; see the model card"),
    _piper("en_US-ljspeech-medium", 63, "Public domain (LJ Speech dataset)", True),
    _piper("es_ES-davefx-medium", 63, "CC0-1.0", True),
    _piper("de_DE-thorsten-medium", 63, "CC0-1.0", True),
    _piper("fr_FR-siwis-medium", 63, "CC-BY-4.0", True, "attribution required (SIWIS database)"),
    CatalogEntry(
        name="xtts-v2",
        engine="xtts",
        languages=("en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar",
                   "zh-cn", "hu", "ko", "ja", "hi"),
        size_mb=1870,
        license="Coqui Public Model License 1.0.0",
        license_url="https://coqui.ai/cpml",
        source="hf:coqui/XTTS-v2",
        commercial_use=False,
        notes="NON-COMMERCIAL use only (CPML); voice cloning from a short reference clip",
        allow_patterns=("config.json", "model.pth", "vocab.json", "speakers_xtts.pth",
                        "mel_stats.pth", "dvae.pth", "LICENSE.txt"),
    ),
    CatalogEntry(
        name="htdemucs",
        engine="separation",
        languages=(),
        size_mb=170,
        license="MIT",
        license_url="https://github.com/facebookresearch/demucs/blob/main/LICENSE",
        source="manual:htdemucs-onnx",
        commercial_use=True,
        notes="Hybrid Transformer Demucs exported to ONNX (music/voice separation); "
        "not downloadable yet: import an exported folder with `taura models import PATH`",
    ),
)

_BY_NAME: dict[str, CatalogEntry] = {e.name: e for e in _ENTRIES}


def entries(engine: str | None = None) -> list[CatalogEntry]:
    """All catalog entries, optionally only those of one engine, in catalog order."""
    return [e for e in _ENTRIES if engine is None or e.engine == engine]


def find(name: str) -> CatalogEntry | None:
    return _BY_NAME.get(name)


def get(name: str) -> CatalogEntry:
    """The entry called ``name``; EngineUnavailableError (one line) when it is not known."""
    entry = _BY_NAME.get(name)
    if entry is None:
        raise EngineUnavailableError(
            f"model '{name}' is not in the catalog; see `taura models list` "
            "or import it with `taura models import PATH`"
        )
    return entry


def license_notice(name: str) -> str:
    """One line stating the license of ``name`` and whether commercial use is allowed."""
    e = get(name)
    use = "commercial use allowed" if e.commercial_use else "NON-COMMERCIAL use only"
    return f"{e.name} ({e.engine}): license {e.license}, {use} — {e.license_url}"
