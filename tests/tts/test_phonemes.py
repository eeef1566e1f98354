"""Kokoro phonemes from the real espeak-ng: clause splitting, the tie mapping, batching."""

from __future__ import annotations

import shutil

import pytest

from taura_desktop.engines.tts.espeak import default_voice_for
from taura_desktop.engines.tts.phonemes import (
    KOKORO_LANGUAGES,
    Clause,
    espeak_ipa,
    espeak_voice_for,
    ipa_to_kokoro,
    phonemize,
    split_clauses,
    split_ids,
    to_ids,
)
from taura_desktop.errors import EngineUnavailableError, ExitCode
from taura_desktop.languages import ESPEAK_VOICES

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")

# Kokoro-82M v1.0's symbols (its vocab.json), for checking that phonemes map onto ids.
KOKORO_SYMBOLS = set(
    ';:,.!?—…"()“” ̃ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyz'
    "ɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ"
)
VOCAB = {ch: i + 1 for i, ch in enumerate(sorted(KOKORO_SYMBOLS))}


def test_clauses_keep_punctuation_and_numbers_whole() -> None:
    assert split_clauses("Hello world, he paid $5.50 at 3:30. Really... yes!") == [
        Clause("Hello world", ","),
        Clause("he paid $5.50 at 3:30", "."),
        Clause("Really", "..."),
        Clause("yes", "!"),
    ]
    # subtitle line breaks are spaces; inverted marks stay in the text (espeak-ng ignores them)
    assert split_clauses("¿Qué tal?\n¡Muy bien! — dijo") == [
        Clause("¿Qué tal", "?"),
        Clause("¡Muy bien", "!"),
        Clause("", "—"),
        Clause("dijo", ""),
    ]
    assert split_clauses("Wait - what?") == [Clause("Wait", "—"), Clause("what", "?")]
    assert split_clauses("...") == [Clause("", "...")]
    assert split_clauses("   ") == []


def test_tied_pairs_become_kokoro_symbols() -> None:
    assert ipa_to_kokoro("həlˈo^ʊ wˈɜːld", "en") == "həlˈO wˈɜːld"
    assert ipa_to_kokoro("fˈa^ɪv pˈɔ^ɪnt mˈe^ɪd nˈa^ʊ", "en-us") == "fˈIv pˈYnt mˈAd nˈW"
    assert ipa_to_kokoro("t^ʃˈɜːt^ʃ d^ʒˈʌd^ʒ", "en") == "ʧˈɜːʧ ʤˈʌʤ"
    assert ipa_to_kokoro("ɡˈə^ʊ pˈi^ə", "en-gb") == "ɡˈQ pˈiə"  # other ties are just dropped
    assert ipa_to_kokoro("pit^sa d^zˈeta", "it") == "piʦa ʣˈeta"


def test_english_only_rewrites() -> None:
    assert ipa_to_kokoro("bˈʌɾɚ lˈɔx", "en") == "bˈʌɾəɹ lˈɔk"
    # Spanish keeps its velar fricative (dijo) and has no ɚ rewrite
    assert ipa_to_kokoro("dˈixo", "es") == "dˈixo"
    assert ipa_to_kokoro("ɚ", "es") == "ɚ"


def test_languages_kokoro_cannot_speak_are_exit_4() -> None:
    assert espeak_voice_for("en") == "en-us"
    assert espeak_voice_for("es-MX") == "es-419"
    assert espeak_voice_for("pt_BR") == "pt-br"
    with pytest.raises(EngineUnavailableError, match="kokoro: no phonemes for language 'ja'") as err:
        espeak_voice_for("ja")
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE


def test_kokoro_phonemizes_with_the_voice_espeak_speaks() -> None:
    kokoro_tags = [t for t in ESPEAK_VOICES if t.split("-")[0] in KOKORO_LANGUAGES]
    assert {t.split("-")[0] for t in kokoro_tags} == set(KOKORO_LANGUAGES)
    for tag in kokoro_tags:
        assert espeak_voice_for(tag) == default_voice_for(tag) == ESPEAK_VOICES[tag]
    with pytest.raises(EngineUnavailableError, match="kokoro: no phonemes for language 'de'"):
        espeak_voice_for("de")


@needs_espeak
def test_english_phonemes_from_espeak() -> None:
    [ph] = phonemize(["Hello world, how are you today?"], "en")
    assert ph.startswith("həlˈO wˈɜːld, ")
    assert ph.endswith("tədˈA?")
    assert "^" not in ph and "\n" not in ph
    assert set(ph) <= KOKORO_SYMBOLS
    assert len(to_ids(ph, VOCAB)) == len(ph)


@needs_espeak
def test_spanish_phonemes_from_espeak() -> None:
    out = phonemize(["¿Qué tal? ¡Muy bien!", "Dijo que sí."], "es")
    assert out[0] == "kˈe tˈal? mˈuj βjˈen!"
    assert "x" in out[1] and out[1].endswith(".")  # "dijo": the Spanish jota stays x
    assert all(set(p) <= KOKORO_SYMBOLS for p in out)


@needs_espeak
def test_batch_is_one_clause_per_text_even_when_espeak_splits_a_line() -> None:
    # espeak-ng itself breaks "Dr. Smith" into two clauses: the batch falls back per line
    got = espeak_ipa(["this is Dr. Smith", "hello"], "en-us")
    assert len(got) == 2
    assert "smˈɪθ" in got[0] and got[0].startswith("ðɪs ɪz d")
    assert got[1] == "həlˈo^ʊ"
    texts = ["One.", "Two, three.", "¡...!", "Four"]
    assert phonemize(texts, "en") == [phonemize([t], "en")[0] for t in texts]


def test_long_input_is_cut_into_model_sized_pieces_at_punctuation() -> None:
    clause = "ab cd ef gh, "
    text = (clause * 60).strip()
    pieces = split_ids(text, VOCAB, 100)
    assert all(0 < len(p) <= 100 for p in pieces)
    comma, space = VOCAB[","], VOCAB[" "]
    assert all(p[-1] == comma for p in pieces[:-1])
    assert all(p[0] != space and p[-1] != space for p in pieces)
    # nothing but the spaces at the cuts is lost
    assert sum(len(p) for p in pieces) == len(to_ids(text, VOCAB)) - (len(pieces) - 1)
    # no punctuation at all: cut at a space
    words = split_ids(" ".join(["abcdefg"] * 40), VOCAB, 50)
    assert all(len(p) <= 50 for p in words) and len(words) > 1
    assert split_ids("", VOCAB, 50) == []
