"""The language tables: names for track titles and menus (ISO 639-1 codes), and the espeak-ng
voice each language is spoken (and phonemized for Kokoro) with."""

from __future__ import annotations

NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "ca": "Catalan",
    "gl": "Galician",
    "eu": "Basque",
    "eo": "Esperanto",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "nb": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "ro": "Romanian",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "el": "Greek",
    "ar": "Arabic",
    "he": "Hebrew",
    "hi": "Hindi",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "id": "Indonesian",
    "vi": "Vietnamese",
    "th": "Thai",
    "oc": "Occitan",
}

# Language tag -> espeak-ng voice, for the languages people dub into most (espeak-ng's own
# ``--voices`` list answers for the others). Kokoro phonemizes with the same voices.
ESPEAK_VOICES: dict[str, str] = {
    "en": "en-us",
    "en-us": "en-us",
    "en-gb": "en-gb",
    "es": "es",
    "es-es": "es",
    "es-419": "es-419",
    "es-mx": "es-419",
    "es-us": "es-419",
    "fr": "fr-fr",
    "fr-fr": "fr-fr",
    "fr-ca": "fr-fr",
    "de": "de",
    "it": "it",
    "pt": "pt-br",
    "pt-br": "pt-br",
    "pt-pt": "pt",
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-tw": "cmn",
    "ja": "ja",
    "ko": "ko",
    "ru": "ru",
    "nl": "nl",
    "pl": "pl",
    "tr": "tr",
    "ar": "ar",
    "hi": "hi",
}


def language_tag(code: str) -> str:
    """``" pt_BR "`` -> ``"pt-br"``: the form the tables above are keyed by."""
    return code.strip().lower().replace("_", "-")


def primary_language(code: str) -> str:
    """``" pt_BR "`` -> ``"pt"``: the language subtag alone, without script or region."""
    return language_tag(code).split("-", 1)[0]


def language_name(code: str) -> str:
    return NAMES.get(primary_language(code), code)
