"""ArgosEngine on tiny random-weight packages: discovery, batching, pivot, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taura_desktop.engines.mt.argos import ArgosEngine, discover_packages, pick_device
from taura_desktop.engines.mt.base import MtEngine
from taura_desktop.errors import CancelledError, EngineUnavailableError, ExitCode
from tests.tiny.argos import build_tiny_argos_package, install_tiny_argos

TEXTS = ["Hello world.", "", "The house is red", "  ", "We go to the city, fast!"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models") / "argos"
    install_tiny_argos(root, "en", "es")
    install_tiny_argos(root, "es", "pt")
    install_tiny_argos(root, "en", "fr", target_prefix="__fr__")
    return root


def engine(root: Path) -> ArgosEngine:
    return ArgosEngine(root, device="cpu", max_decoding_length=12)


class CountingTranslator:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def translate_batch(self, tokens: list[list[str]], **kw: Any) -> Any:
        self.calls.append(len(tokens))
        return self.inner.translate_batch(tokens, **kw)


def test_discovers_only_complete_packages(store: Path, tmp_path: Path) -> None:
    eng = engine(store)
    assert isinstance(eng, MtEngine)
    assert eng.pairs() == [("en", "es"), ("en", "fr"), ("es", "pt")]
    assert eng.can_translate("en", "es") and not eng.can_translate("es", "en")
    # an unfinished download (no .complete) and a corrupt metadata.json are ignored
    root = tmp_path / "argos"
    folder = install_tiny_argos(root, "en", "es")
    (folder / ".complete").unlink()
    bad = root / "translate-xx_yy-1_0"
    (bad / "model").mkdir(parents=True)
    (bad / "metadata.json").write_text("{not json", encoding="utf-8")
    (bad / ".complete").write_text("{}", encoding="utf-8")
    assert discover_packages(root) == []
    assert ArgosEngine(root, device="cpu").pairs() == []


def test_batch_translates_all_texts_in_one_call(store: Path) -> None:
    eng = engine(store)
    texts = [f"The {w} is red and blue." for w in ("house", "cat", "dog", "car")] * 10 + TEXTS
    pkg = eng.route("en", "es")
    assert pkg is not None and len(pkg) == 1
    loaded = eng._load(pkg[0])
    counter = CountingTranslator(loaded.translator)
    loaded.translator = counter
    out = eng.translate_batch(texts, "en", "es")
    assert isinstance(out, list) and len(out) == len(texts)
    assert all(isinstance(t, str) for t in out)
    assert out[-4] == "" and out[-2] == ""  # blank inputs stay blank
    assert out[0].strip() != ""
    assert counter.calls == [len(texts) - 2]  # ONE call, blanks not sent
    # the model stays cached between calls
    assert eng._load(pkg[0]) is loaded


def test_pivot_through_intermediate_language(store: Path) -> None:
    eng = engine(store)
    assert eng.can_translate("en", "pt")
    out = eng.translate_batch(TEXTS, "en", "pt")
    assert len(out) == len(TEXTS) and all(isinstance(t, str) for t in out)
    assert [p.pair for p in eng.last_route] == [("en", "es"), ("es", "pt")]
    assert out[1] == ""


def test_target_prefix_is_sent_and_stripped(store: Path) -> None:
    eng = engine(store)
    pkg = eng.route("en", "fr")
    assert pkg is not None and pkg[0].target_prefix == "__fr__"
    out = eng.translate_batch(["Hello world.", "Good morning"], "en", "fr")
    assert len(out) == 2
    assert not any(t.startswith("__fr__") for t in out)


def test_progress_and_cancel(store: Path) -> None:
    eng = ArgosEngine(store, device="cpu", max_decoding_length=8, chunk_size=3)
    seen: list[tuple[int, int]] = []
    out = eng.translate_batch(TEXTS * 2, "en", "es", progress=lambda d, t: seen.append((d, t)))
    assert len(out) == 10
    assert seen[-1] == (10, 10) and len(seen) == 4
    with pytest.raises(CancelledError):
        eng.translate_batch(TEXTS, "en", "es", cancel=lambda: True)


def test_same_language_is_identity(store: Path) -> None:
    assert engine(store).translate_batch(["a", ""], "es", "es") == ["a", ""]


def test_missing_pair_is_exit_4_with_hint(store: Path) -> None:
    with pytest.raises(EngineUnavailableError) as err:
        engine(store).translate_batch(["Hello"], "en", "de")
    msg = str(err.value)
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE and int(err.value.exit_code) == 4
    assert "en->de" in msg and "taura models download translate-en_de" in msg
    assert "apertium-eng-deu" in msg and "\n" not in msg


def test_package_without_sentencepiece_is_reported(tmp_path: Path) -> None:
    folder = install_tiny_argos(tmp_path, "en", "es")
    (folder / "sentencepiece.model").unlink()
    with pytest.raises(EngineUnavailableError, match=r"no sentencepiece\.model"):
        ArgosEngine(tmp_path, device="cpu").translate_batch(["Hello"], "en", "es")


def test_newest_package_version_wins(tmp_path: Path) -> None:
    old = install_tiny_argos(tmp_path, "en", "es")
    new = tmp_path / "translate-en_es-2_0"
    old.rename(new)
    install_tiny_argos(tmp_path, "en", "es")
    meta = json.loads((new / "metadata.json").read_text())
    meta["package_version"] = "2.0"
    (new / "metadata.json").write_text(json.dumps(meta))
    assert ArgosEngine(tmp_path, device="cpu").packages()[("en", "es")].path == new


def test_device_auto() -> None:
    assert pick_device("auto") in ("cpu", "cuda")
    assert pick_device("cpu") == "cpu"


def test_tiny_package_zip_layout(tmp_path: Path) -> None:
    import zipfile

    z = build_tiny_argos_package(tmp_path, "en", "es")
    names = zipfile.ZipFile(z).namelist()
    assert z.suffix == ".argosmodel"
    assert {n.split("/")[0] for n in names} == {"translate-en_es-1_0"}
    for part in ("metadata.json", "sentencepiece.model", "model/model.bin", "minisbd/en.onnx"):
        assert f"translate-en_es-1_0/{part}" in names
