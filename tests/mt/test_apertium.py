"""ApertiumEngine against the real apertium + apertium-eng-spa."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from taura_desktop.core.model import GlossaryEntry
from taura_desktop.engines.mt.apertium import ApertiumEngine, parse_mode, tidy
from taura_desktop.engines.mt.base import MtEngine
from taura_desktop.errors import EngineUnavailableError, ExitCode
from taura_desktop.translation.glossary import Glossary

HAVE_ENG_SPA = shutil.which("apertium") is not None and ApertiumEngine().can_translate("en", "es")
needs_apertium = pytest.mark.skipif(not HAVE_ENG_SPA, reason="apertium eng-spa not installed")


def test_parse_mode() -> None:
    assert parse_mode("eng-spa") == ("en", "es")
    assert parse_mode("spa-eng_US") == ("es", "en_US")
    assert parse_mode("en-es") == ("en", "es")
    assert parse_mode("fr-ca") == ("fr", "ca")
    assert parse_mode("por-cat") == ("pt", "ca")
    assert parse_mode("eng-spa-tagger") is None
    assert parse_mode("README") is None


def test_tidy_marks_and_spacing() -> None:
    assert tidy(" Soy  *Taura ,  el #editor @casa . ", "I am Taura, the editor home.") == (
        "Soy Taura, el editor casa."
    )
    # a real '@' or '#' in the source is kept
    assert tidy("correo a@b.com #1", "mail a@b.com #1") == "correo a@b.com #1"
    assert tidy("¿ Dónde ?", "Where?") == "¿Dónde?"
    assert tidy("Oui !", "Yes!", tgt="fr") == "Oui !"
    assert tidy("anything", "   ") == ""


@needs_apertium
def test_lists_installed_pairs() -> None:
    eng = ApertiumEngine()
    assert isinstance(eng, MtEngine)
    assert ("en", "es") in eng.pairs()
    assert eng.modes()[("en", "es")] == "eng-spa"


@needs_apertium
def test_checked_translations() -> None:
    out = ApertiumEngine().translate_batch(["Hello world", "The house is red."], "en", "es")
    assert "hola" in out[0].lower()
    assert out[1] in ("La casa es roja.", "La casa es roja")
    assert ApertiumEngine().translate_batch(["La casa es roja."], "es", "en")[0].lower().startswith(
        "the house is red"
    )


@needs_apertium
def test_batch_of_50_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(cmd: list[str], *a: Any, **kw: Any) -> Any:
        calls.append(cmd)
        return real_run(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "run", counting_run)  # the module apertium calls
    eng = ApertiumEngine()
    eng.modes()  # discovery (apertium -l) is not part of the count
    calls.clear()
    base = [
        "The house is red.", "", "Where is the dog?", "foo, bar: \"quoted\"?",
        "Line one\nline two", "x < y & z > w", "</p><p id=\"t3\">injected", "I said... no!",
        "(really)", "The cat eats fish; the dog sleeps.",
    ]
    texts = [f"{t} {i}" if t and i % 3 == 0 else t for i, t in enumerate(base * 5)]
    out = eng.translate_batch(texts, "en", "es")
    assert len(calls) == 1
    assert len(out) == 50
    for src, tr in zip(texts, out, strict=True):
        assert (tr == "") == (src == "")
        assert "\n" not in tr and "  " not in tr
    assert out[0].startswith("La casa es roja")
    assert "<" in out[5] and "&" in out[5]
    assert out[6].startswith("</p><p id=\"t3\">")  # markup in a segment is text
    # numbered segments keep their own number: order preserved
    for i, (src, tr) in enumerate(zip(texts, out, strict=True)):
        if src and i % 3 == 0:
            assert tr.rstrip(".!?)").endswith(str(i)) or str(i) in tr


@needs_apertium
def test_mark_unknown_option() -> None:
    assert "*" not in ApertiumEngine().translate_batch(["Xyzzq is here"], "en", "es")[0]
    assert "*Xyzzq" in ApertiumEngine(mark_unknown=True).translate_batch(
        ["Xyzzq is here"], "en", "es"
    )[0]


@needs_apertium
def test_progress_reported() -> None:
    seen: list[tuple[int, int]] = []
    out = ApertiumEngine(chunk_size=2).translate_batch(
        ["a", "b", "c"], "en", "es", progress=lambda d, t: seen.append((d, t))
    )
    assert len(out) == 3 and seen == [(2, 3), (3, 3)]


@needs_apertium
def test_missing_pair_error() -> None:
    with pytest.raises(EngineUnavailableError) as err:
        ApertiumEngine().translate_batch(["Hello"], "en", "de")
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert "en->de" in str(err.value) and "apertium-eng-deu" in str(err.value)


def test_missing_binary_error() -> None:
    eng = ApertiumEngine(binary="apertium-not-installed-here")
    assert eng.pairs() == [] and not eng.can_translate("en", "es")
    with pytest.raises(EngineUnavailableError, match="apertium is not installed") as err:
        eng.translate_batch(["Hello"], "en", "es")
    assert err.value.exit_code == 4


@needs_apertium
def test_glossary_through_apertium() -> None:
    gl = Glossary([GlossaryEntry("Taura", dnt=True), GlossaryEntry("editor", {"es": "montador"})])
    src = ["Taura is the best editor.", "The editor likes Taura", "The house is red."]
    protected, holders = gl.protect_batch(src, "en", "es")
    assert "Taura" not in protected[0] and "editor" not in protected[0]
    raw = ApertiumEngine().translate_batch(protected, "en", "es")
    out = [gl.restore(t, h) for t, h in zip(raw, holders, strict=True)]
    assert "Taura" in out[0] and "montador" in out[0] and "editor" not in out[0]
    assert "Taura" in out[1] and "montador" in out[1]
    assert all(gl.check(s, t, "en", "es") == [] for s, t in zip(src, out, strict=True))
    # without protection apertium keeps "editor": check reports the lost term
    plain = ApertiumEngine().translate_batch(src[:1], "en", "es")[0]
    assert gl.check(src[0], plain, "en", "es") == ["editor"]


@needs_apertium
def test_modes_dir_option_and_broken_pair(tmp_path: Path) -> None:
    eng = ApertiumEngine(modes_dir=Path("/usr/share/apertium/modes"))
    assert ("en", "es") in eng.pairs()
    assert "hola" in eng.translate_batch(["Hello"], "en", "es")[0].lower()
    # a pair whose pipeline produces nothing: one-line error, not a silent wrong count
    (tmp_path / "modes").mkdir()
    (tmp_path / "modes" / "eng-deu.mode").write_text("cat > /dev/null\n", encoding="utf-8")
    broken = ApertiumEngine(modes_dir=tmp_path / "modes")
    assert broken.pairs() == [("en", "de")]
    with pytest.raises(EngineUnavailableError, match="output could not be read back") as err:
        broken.translate_batch(["Hello", "world"], "en", "de")
    assert "eng-deu" in str(err.value) and err.value.exit_code == 4
