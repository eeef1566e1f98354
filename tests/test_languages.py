from __future__ import annotations

from taura_desktop.languages import language_name, language_tag, primary_language


def test_language_tag_normalises_case_separator_and_space() -> None:
    assert language_tag(" pt_BR ") == "pt-br"
    assert language_tag("zh-Hant") == "zh-hant"
    assert language_tag("EN") == "en"


def test_primary_language_is_the_first_subtag() -> None:
    assert [primary_language(c) for c in ("en-US", " pt_BR ", "zh-Hant-TW", "ES", "")] == [
        "en", "pt", "zh", "es", ""]


def test_language_name_of_a_regional_tag() -> None:
    assert language_name("pt_BR") == "Portuguese"
    assert language_name("es-419") == "Spanish"
    assert language_name("xx-YY") == "xx-YY"
