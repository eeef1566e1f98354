"""The machine-translation engine contract shared by argos and apertium."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from taura_desktop.errors import CancelledError, EngineUnavailableError

#: ``progress(done, total)`` — called after each chunk of segments is translated.
ProgressFn = Callable[[int, int], None]
#: ``cancel()`` — returns True when the caller wants the job stopped.
CancelFn = Callable[[], bool]


@runtime_checkable
class MtEngine(Protocol):
    name: str

    def pairs(self) -> list[tuple[str, str]]:
        """Installed (source, target) language pairs, ISO 639-1 codes where one exists."""
        ...

    def can_translate(self, src: str, tgt: str) -> bool: ...

    def translate_batch(
        self,
        texts: Sequence[str],
        src: str,
        tgt: str,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> list[str]:
        """One output per input, same order; empty/blank inputs give ""."""
        ...


def model_hint(src: str, tgt: str) -> str:
    """How to get a model for a pair, for EngineUnavailableError messages."""
    return (
        f"run `taura models download translate-{src}_{tgt}` on a connected machine, "
        f"or install apertium-{iso3(src)}-{iso3(tgt)}"
    )


def no_pair_error(engine: str, src: str, tgt: str) -> EngineUnavailableError:
    return EngineUnavailableError(
        f"no translation engine for {src}->{tgt} ({engine}): {model_hint(src, tgt)}"
    )


def check_cancel(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("translation cancelled")


# ISO 639-1 <-> ISO 639-3 (the codes apertium pair names use).
ISO3: dict[str, str] = {
    "en": "eng", "es": "spa", "ca": "cat", "pt": "por", "fr": "fra", "it": "ita", "de": "deu",
    "nl": "nld", "eo": "epo", "gl": "glg", "oc": "oci", "eu": "eus", "ro": "ron", "an": "arg",
    "ast": "ast", "sv": "swe", "da": "dan", "nb": "nob", "nn": "nno", "is": "isl", "cy": "cym",
    "br": "bre", "ga": "gle", "mt": "mlt", "ar": "ara", "kk": "kaz", "tt": "tat", "ru": "rus",
    "uk": "ukr", "be": "bel", "pl": "pol", "cs": "ces", "sk": "slk", "sl": "slv", "hr": "hrv",
    "sr": "srp", "bs": "bos", "mk": "mkd", "bg": "bul", "el": "ell", "tr": "tur", "fi": "fin",
    "et": "est", "hu": "hun", "lt": "lit", "lv": "lav", "sq": "sqi", "hi": "hin", "ur": "urd",
    "id": "ind", "ms": "msa", "ja": "jpn", "zh": "zho", "ko": "kor", "he": "heb", "fa": "fas",
    "sc": "srd", "co": "cos", "la": "lat",
}
ISO1: dict[str, str] = {v: k for k, v in ISO3.items()}
# Older apertium packages use these ISO 639-2/B or 2-letter spellings.
ISO1.update({"fre": "fr", "ger": "de", "dut": "nl", "cat": "ca", "por": "pt", "ron": "ro",
             "rum": "ro", "alb": "sq", "gre": "el", "baq": "eu", "wel": "cy", "ice": "is"})


def iso3(code: str) -> str:
    return ISO3.get(code, code)


def iso1(code: str) -> str:
    """Map an apertium language code (``eng``, ``en``, ``en_US``) to the 639-1 form."""
    base, _, variant = code.partition("_")
    out = ISO1.get(base, base)
    return f"{out}_{variant}" if variant else out
