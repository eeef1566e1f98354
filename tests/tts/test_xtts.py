from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts import SynthRequest, open_engine
from taura_desktop.engines.tts.xtts import (
    LICENSE_NOTICE,
    XttsEngine,
    pick_reference,
    reference_key,
    require_license_accepted,
    xtts_language,
)
from taura_desktop.errors import BadInputError, EngineUnavailableError, ExitCode


def _fake_model_dir(root: Path) -> Path:
    d = root / "xtts-v2"
    d.mkdir()
    for name in ("config.json", "model.pth", "vocab.json"):
        (d / name).write_text("{}", encoding="utf-8")
    return d


def test_license() -> None:
    assert "Coqui Public Model License" in LICENSE_NOTICE
    assert "non-commercial" in LICENSE_NOTICE
    require_license_accepted(True)
    with pytest.raises(EngineUnavailableError, match="has not been accepted") as exc:
        require_license_accepted(False)
    assert exc.value.exit_code == ExitCode.ENGINE_UNAVAILABLE


def test_license_checked_before_anything(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="License"):
        XttsEngine(tmp_path / "missing")


def test_missing_model_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match=r"xtts model folder .*missing: not found") as exc:
        XttsEngine(tmp_path / "missing", license_accepted=True)
    assert exc.value.exit_code == 4
    d = _fake_model_dir(tmp_path)
    (d / "vocab.json").unlink()
    with pytest.raises(EngineUnavailableError, match=r"vocab\.json missing"):
        XttsEngine(d, license_accepted=True)
    with pytest.raises(EngineUnavailableError, match="xtts: no model path given"):
        open_engine("xtts")


def test_missing_package_names_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _fake_model_dir(tmp_path)
    monkeypatch.setitem(sys.modules, "TTS", None)  # import TTS -> ImportError
    with pytest.raises(EngineUnavailableError, match=r"coqui-tts is not installed.*xtts extra") as exc:
        open_engine("xtts", d, license_accepted=True)
    assert exc.value.exit_code == 4
    assert "\n" not in str(exc.value)


def test_language_mapping() -> None:
    assert xtts_language("es") == "es"
    assert xtts_language("pt-BR") == "pt"
    assert xtts_language("zh") == "zh-cn"
    with pytest.raises(EngineUnavailableError, match="language 'sw' is not supported"):
        xtts_language("sw")


def test_reference_key() -> None:
    assert reference_key(VoiceSpec(engine="xtts", voice="spk1")) == "spk1"
    a = reference_key(VoiceSpec(engine="xtts", reference_segment_ids=("a", "b")))
    b = reference_key(VoiceSpec(engine="xtts", reference_segment_ids=("a", "c")))
    assert a.startswith("ref:") and a != b


def test_pick_reference_prefers_clean_covered_segments() -> None:
    segs = [
        ("s1", 0, 4000, False),
        ("s2", 5000, 9000, True),  # overlapped speech: never
        ("s3", 10000, 10500, False),  # too short
        ("s4", 12000, 16000, False),  # poorly covered by VAD
        ("s5", 20000, 24000, False),
        ("s6", 30000, 33000, False),
    ]
    vad = [(0, 4000), (5000, 9000), (10000, 10500), (12000, 13000), (20000, 24000), (30000, 33000)]
    assert pick_reference(segs, vad) == ["s1", "s5"]  # 8 s >= 6 s, stop there
    assert pick_reference(segs, vad, min_total_ms=10000) == ["s1", "s5", "s6"]
    assert pick_reference(segs, vad, min_total_ms=20000, max_total_ms=9000) == ["s1", "s5"]
    assert pick_reference(segs, None, min_total_ms=30000) == ["s1", "s4", "s5", "s6"]
    assert pick_reference([("x", 0, 500, False)], None) == []


# Read at import (collection) time: the hermetic fixture later points TAURA_MODELS_DIR at tmp.
_REAL_MODELS_DIR = os.environ.get("TAURA_MODELS_DIR")


def _real_xtts_dir() -> Path | None:
    root = _REAL_MODELS_DIR
    if not root:
        return None
    d = Path(root) / "xtts" / "xtts-v2"
    return d if (d / "model.pth").is_file() else None


@pytest.mark.real_models
def test_real_xtts_synthesizes() -> None:
    d = _real_xtts_dir()
    if d is None:
        pytest.skip("XTTS-v2 weights not in $TAURA_MODELS_DIR/xtts/xtts-v2")
    engine = XttsEngine(d, license_accepted=True)
    sr = 22050
    t = np.arange(sr * 4) / sr
    ref = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    voice = VoiceSpec(engine="xtts", voice="spk")
    res = engine.synthesize(SynthRequest("Hola, esto es una prueba.", "es", voice), reference=(ref, sr))
    assert res.sample_rate == 24000
    assert res.samples.dtype == np.float32 and len(res.samples) > 0
    with pytest.raises(BadInputError, match="no reference audio"):
        engine.synthesize(SynthRequest("hola", "es", VoiceSpec(engine="xtts", voice="other")))
