"""The separation engine through onnxruntime with a tiny model, the chunked file helper and
the cached background stem."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.engines.separation import SeparationResult, Separator, open_separator
from taura_desktop.engines.separation.base import OverlapAdd, StreamingWav, separate_file
from taura_desktop.engines.separation.onnx_demucs import OnnxSeparator, model_version
from taura_desktop.errors import (
    BadInputError,
    CancelledError,
    EngineUnavailableError,
    ExitCode,
    MediaError,
    UsageError,
)
from taura_desktop.media.audio_io import read_wav, write_wav
from taura_desktop.pipeline import separate as sep_pipeline
from taura_desktop.pipeline.separate import background_stem
from tests.separation.conftest import SR, stereo_tones
from tests.tiny.separation import VOCALS_GAIN, SeparatorShape, build_tiny_separator, install_tiny_separator


class Counting:
    """A Separator proxy that counts model calls and the lengths it was given."""

    def __init__(self, inner: Separator, cancel_after: int | None = None) -> None:
        self.inner = inner
        self.name, self.version = inner.name, inner.version
        self.sample_rate, self.channels = inner.sample_rate, inner.channels
        self.lengths: list[int] = []
        self.cancel_after = cancel_after

    def separate(self, samples: np.ndarray, sr: int) -> SeparationResult:
        self.lengths.append(len(samples))
        return self.inner.separate(samples, sr)

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.lengths) >= self.cancel_after


def _one_line(err: BaseException) -> str:
    msg = str(err)
    assert msg and "\n" not in msg
    return msg


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# --------------------------------------------------------------------------- the engine


def test_separate_in_memory_shapes_and_sum(tiny_model: Path) -> None:
    sep = OnnxSeparator(tiny_model, device="cpu")
    assert isinstance(sep, Separator)
    assert (sep.name, sep.sample_rate, sep.channels) == ("htdemucs", SR, 2)
    assert sep.providers == ["CPUExecutionProvider"]
    x = stereo_tones(9.3)  # > 2 segments of 4 s: exercises segment overlap and the padded tail
    r = sep.separate(x, SR)
    assert r.sample_rate == SR
    assert r.vocals.shape == r.background.shape == x.shape
    assert r.vocals.dtype == np.float32
    np.testing.assert_allclose(r.vocals + r.background, x, atol=1e-5)
    np.testing.assert_allclose(r.vocals, VOCALS_GAIN * x, atol=1e-5)
    short = sep.separate(x[:100], SR)  # shorter than a segment: zero-padded, then cropped
    assert short.vocals.shape == (100, 2)


def test_mono_input_resampling_and_empty(tiny_model: Path) -> None:
    sep = OnnxSeparator(tiny_model)
    x = stereo_tones(2.0, sr=22050)[:, 0]
    r = sep.separate(x, 22050)
    assert r.vocals.shape == (32000,) and r.background.shape == (32000,)
    assert r.sample_rate == SR
    empty = sep.separate(np.zeros((0, 2), np.float32), SR)
    assert empty.vocals.shape == (0, 2)
    with pytest.raises(UsageError):
        sep.separate(np.zeros((2, 2, 2), np.float32), SR)


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"segment": None},  # dynamic length graph, whole input in one call
        {"sources": ("vocals", "accompaniment"), "segment": 3000},
        {"normalize": True},
        {"channels": 1},
    ],
)
def test_model_variants(tmp_path: Path, kwargs: SeparatorShape) -> None:
    folder = build_tiny_separator(tmp_path / "m", **kwargs)
    sep = open_separator(folder)
    x = stereo_tones(5.0)
    r = sep.separate(x, SR)
    expect = x.mean(axis=1, keepdims=True) if sep.channels == 1 else x
    assert r.vocals.shape == expect.shape
    np.testing.assert_allclose(r.vocals + r.background, expect, atol=1e-4)
    np.testing.assert_allclose(r.vocals, VOCALS_GAIN * expect, atol=1e-4)


def test_version_follows_config_and_weights(tmp_path: Path) -> None:
    a = build_tiny_separator(tmp_path / "a")
    b = build_tiny_separator(tmp_path / "b", overlap=0.5)
    assert model_version(a) != model_version(b)
    assert model_version(a) == model_version(a)


# --------------------------------------------------------------------------- errors


def test_missing_model_exit_4(tmp_path: Path, store_root: Path) -> None:
    with pytest.raises(EngineUnavailableError) as e:
        OnnxSeparator(tmp_path / "nowhere" / "htdemucs")
    assert e.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert "taura models import PATH --engine separation --name htdemucs" in _one_line(e.value)

    only_cfg = build_tiny_separator(tmp_path / "htdemucs")
    (only_cfg / "tiny_separation.onnx").unlink()
    with pytest.raises(EngineUnavailableError, match=r"no \.onnx file") as e:
        OnnxSeparator(only_cfg)
    _one_line(e.value)

    only_onnx = build_tiny_separator(tmp_path / "x" / "htdemucs")
    (only_onnx / "separation.json").unlink()
    with pytest.raises(EngineUnavailableError, match=r"separation\.json is missing") as e:
        OnnxSeparator(only_onnx)
    _one_line(e.value)

    with pytest.raises(EngineUnavailableError) as e:  # nothing in the store
        background_stem(tmp_path / "a.wav", "k", tmp_path / "cache", str(store_root))
    assert e.value.exit_code == 4
    assert "taura models import PATH --engine separation --name htdemucs" in _one_line(e.value)


def test_cuda_device_without_cuda_provider(tiny_model: Path) -> None:
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        sep = OnnxSeparator(tiny_model, device="cuda")
        assert sep.providers[0] == "CUDAExecutionProvider"
        return
    with pytest.raises(EngineUnavailableError, match="no CUDA provider") as e:
        OnnxSeparator(tiny_model, device="cuda")
    _one_line(e.value)
    with pytest.raises(UsageError, match="unknown device"):
        OnnxSeparator(tiny_model, device="tpu")


_BAD_CONFIGS: list[tuple[str, str]] = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"channels": 2, "sources": ["vocals", "other"]}', "sample_rate must be an integer"),
    ('{"sample_rate": 16000, "channels": 0, "sources": ["vocals", "o"]}', "channels must be"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals", "o"], "segment": -5}', "segment"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals", "o"], "overlap": 1.5}', "overlap"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals"]}', "sources must be"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["drums", "bass"]}', "voice source"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals", "o"], "io": "spectrogram"}',
     "io 'spectrogram' is not supported"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals", "o"], "normalize": "yes"}',
     "normalize"),
    ('{"sample_rate": 16000, "channels": 2, "sources": ["vocals", "o"], "input_name": "audio"}',
     "input_name 'audio' is not an input"),
]


@pytest.mark.parametrize(("text", "problem"), _BAD_CONFIGS)
def test_bad_config_one_line(tmp_path: Path, text: str, problem: str) -> None:
    folder = build_tiny_separator(tmp_path / "m")
    cfg = folder / "separation.json"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError) as e:
        OnnxSeparator(folder)
    msg = _one_line(e.value)
    assert e.value.exit_code == ExitCode.BAD_INPUT
    assert str(cfg) in msg and problem in msg


def test_corrupt_onnx_and_wrong_source_count(tmp_path: Path) -> None:
    folder = build_tiny_separator(tmp_path / "m")
    onnx_file = folder / "tiny_separation.onnx"
    good = onnx_file.read_bytes()
    onnx_file.write_bytes(b"not an onnx graph")
    with pytest.raises(BadInputError, match="cannot load ONNX model") as e:
        OnnxSeparator(folder)
    _one_line(e.value)

    onnx_file.write_bytes(good)
    cfg = json.loads((folder / "separation.json").read_text())
    cfg["sources"] = ["vocals", "accompaniment"]  # the graph really has 4 outputs
    (folder / "separation.json").write_text(json.dumps(cfg))
    sep = OnnxSeparator(folder)
    with pytest.raises(BadInputError, match="does not match the config") as e:
        sep.separate(stereo_tones(1.0), SR)
    _one_line(e.value)


def test_media_errors(tmp_path: Path, tiny_model: Path) -> None:
    from tests.mediagen import make_video

    sep = OnnxSeparator(tiny_model)
    with pytest.raises(MediaError) as e:
        separate_file(sep, tmp_path / "missing.mp4", tmp_path / "bg.wav")
    _one_line(e.value)
    silent = make_video(tmp_path / "noaudio.mp4", 1.0, with_audio=False, size="64x48")
    with pytest.raises(MediaError, match="has no audio stream") as e:
        separate_file(sep, silent, tmp_path / "bg.wav")
    _one_line(e.value)
    wav = write_wav(tmp_path / "a.wav", stereo_tones(1.0), SR)
    with pytest.raises(MediaError, match="output folder does not exist"):
        separate_file(sep, wav, tmp_path / "nope" / "bg.wav")
    with pytest.raises(UsageError, match="bad chunking"):
        separate_file(sep, wav, tmp_path / "bg.wav", chunk_s=1, overlap_s=1)
    assert not (tmp_path / "bg.wav").exists()


# --------------------------------------------------------------------------- the file helper


def test_separate_file_chunked_overlap_add(tmp_path: Path, tiny_model: Path,
                                           long_wav: tuple[Path, np.ndarray]) -> None:
    media, x = long_wav
    sep = Counting(OnnxSeparator(tiny_model))
    seen: list[float] = []
    bg_out, v_out = tmp_path / "bg.wav", tmp_path / "vocals.wav"
    got = separate_file(sep, media, bg_out, v_out, chunk_s=30, overlap_s=1,
                        progress=lambda f, _m: seen.append(f), float32=True)
    assert got == bg_out
    # 70 s in 30 s windows overlapping by 1 s: 0-30, 29-59, 58-70
    assert sep.lengths == [30 * SR, 30 * SR, 12 * SR]
    bg, sr1 = read_wav(bg_out)
    vo, sr2 = read_wav(v_out)
    assert sr1 == sr2 == SR
    assert bg.shape == vo.shape == x.shape
    assert np.abs(bg + vo - x).max() < 1e-3
    np.testing.assert_allclose(vo, VOCALS_GAIN * x, atol=1e-3)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    assert _leftovers(tmp_path) == []


def test_separate_file_pcm16_from_aac_video(tmp_path: Path, tiny_model: Path) -> None:
    """Real media: AAC at 44.1 kHz mono, decoded at the model's rate and channel count."""
    from taura_desktop.media.decode import iter_audio_blocks
    from tests.mediagen import make_video

    video = make_video(tmp_path / "v.mp4", 3.0, audio="tone", size="64x48")
    sep = OnnxSeparator(tiny_model)
    bg_out, v_out = tmp_path / "bg.wav", tmp_path / "v.wav"
    separate_file(sep, video, bg_out, v_out, chunk_s=1.0, overlap_s=0.25)
    ref = np.concatenate(list(iter_audio_blocks(video, SR, 2)))
    bg, sr = read_wav(bg_out)
    vo, _ = read_wav(v_out)
    assert sr == SR and bg.shape == ref.shape == vo.shape
    assert np.abs(bg + vo - ref).max() < 1e-3  # 16-bit PCM stems


def test_cancel_leaves_nothing(tmp_path: Path, tiny_model: Path,
                               long_wav: tuple[Path, np.ndarray]) -> None:
    media, _ = long_wav
    sep = Counting(OnnxSeparator(tiny_model), cancel_after=1)
    bg_out = tmp_path / "bg.wav"
    with pytest.raises(CancelledError):
        separate_file(sep, media, bg_out, tmp_path / "v.wav", chunk_s=20, overlap_s=1,
                      cancel=sep.cancelled)
    assert len(sep.lengths) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]  # no stems, no .part

    bg_out.write_bytes(b"previous")  # an existing output is left untouched by a cancel
    sep2 = Counting(OnnxSeparator(tiny_model))

    def stop(_f: float, _m: str) -> None:
        if sep2.lengths:
            raise CancelledError("export cancelled")

    with pytest.raises(CancelledError):
        separate_file(sep2, media, bg_out, chunk_s=20, overlap_s=1, progress=stop)
    assert bg_out.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("n", [0, 1, 7, 10, 11, 19, 20, 21, 37, 100])
@pytest.mark.parametrize("block", [1, 6, 50])
def test_overlap_add_lengths_and_crossfade(n: int, block: int) -> None:
    """Any input length comes out whole; per-window gains are blended linearly."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    calls: list[int] = []

    def sep(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = 0.1 * (len(calls) + 1)  # a different "model" per window
        calls.append(len(w))
        return g * w, (1 - g) * w

    ola = OverlapAdd(sep, window=10, overlap=3)
    outs = [o for i in range(0, n, block) for o in ola.push(x[i : i + block])]
    outs += list(ola.flush())
    v = np.concatenate([o[0] for o in outs]) if outs else np.zeros((0, 2))
    b = np.concatenate([o[1] for o in outs]) if outs else np.zeros((0, 2))
    assert v.shape == x.shape
    np.testing.assert_allclose(v + b, x, atol=1e-5)
    if len(calls) >= 2:  # inside the first overlap the gain ramps from 0.1 towards 0.2
        g = v[7:10] / np.where(x[7:10] == 0, 1, x[7:10])
        assert np.all(g > 0.1 - 1e-4) and np.all(g < 0.2 + 1e-4)
        assert np.all(np.diff(g[:, 0]) > 0)


def test_streaming_wav_rf64_header_keeps_layout(tmp_path: Path) -> None:
    w = StreamingWav(tmp_path / "x.wav", 44100, 2)
    small = w._header(0)
    w.frames = 2_000_000_000  # > 4 GiB of 16-bit stereo
    big = w._header(w.frames * 4)
    w.discard()
    assert small[:4] == b"RIFF" and big[:4] == b"RF64" and big[12:16] == b"ds64"
    assert len(small) == len(big)  # the data starts at the same offset in both
    assert _leftovers(tmp_path) == [] and not (tmp_path / "x.wav").exists()


# --------------------------------------------------------------------------- cached stem


def test_background_stem_cached(tmp_path: Path, store_root: Path, tiny_model: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    media = write_wav(tmp_path / "a.wav", stereo_tones(3.0), SR)
    cache = tmp_path / "cache"
    first = background_stem(media, "sha1abc-123", cache, str(store_root))
    assert first.parent == cache and first.is_file()
    bg, sr = read_wav(first)
    assert sr == SR and bg.shape == (3 * SR, 2)
    stamp = first.stat().st_mtime_ns

    def boom(*_a: object, **_k: object) -> Path:
        raise AssertionError("recomputed a cached stem")

    monkeypatch.setattr(sep_pipeline, "separate_file", boom)
    again = background_stem(media, "sha1abc-123", cache, str(store_root))
    assert again == first and again.stat().st_mtime_ns == stamp
    monkeypatch.undo()

    # another media fingerprint or another model version -> another file
    other = background_stem(media, "sha1def/../odd key", cache, str(store_root))
    assert other != first and other.parent == cache
    install_tiny_separator(store_root, overlap=0.5)  # re-installed with another config
    newer = background_stem(media, "sha1abc-123", cache, str(store_root))
    assert newer != first
    assert _leftovers(cache) == []


def test_background_stem_cancel_leaves_cache_empty(tmp_path: Path, store_root: Path,
                                                   tiny_model: Path) -> None:
    media = write_wav(tmp_path / "a.wav", stereo_tones(2.0), SR)
    cache = tmp_path / "cache"
    with pytest.raises(CancelledError):
        background_stem(media, "k", cache, str(store_root), cancel=lambda: True)
    assert list(cache.iterdir()) == []


# --------------------------------------------------------------------------- real weights


def _real_model() -> Path | None:
    from taura_desktop.modelstore.store import resolve_root

    folder = resolve_root() / "separation" / "htdemucs"
    return folder if (folder / ".complete").is_file() else None


_REAL = _real_model()


@pytest.mark.real_models
@pytest.mark.skipif(_REAL is None, reason="no real separation model (htdemucs) in the model store")
def test_real_model_removes_speech(tmp_path: Path) -> None:
    """Speech over a tone: the background keeps the tone and loses most of the speech."""
    from tests.mediagen import make_speech_wav

    assert _REAL is not None
    speech = tmp_path / "speech.wav"
    make_speech_wav(speech, ["The quick brown fox jumps over the lazy dog."], sample_rate=SR)
    voice, _ = read_wav(speech)
    t = np.arange(voice.size) / SR
    tone = (0.2 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    mix = write_wav(tmp_path / "mix.wav", np.stack([voice + tone, voice + tone], 1), SR)
    sep = OnnxSeparator(_REAL)
    bg_out = separate_file(sep, mix, tmp_path / "bg.wav", tmp_path / "v.wav")
    bg, sr = read_wav(bg_out)
    vo, _ = read_wav(tmp_path / "v.wav")
    assert sr == sep.sample_rate and bg.shape == vo.shape
    n = min(bg.shape[0], tone.size * sep.sample_rate // SR)
    ref = read_wav(write_wav(tmp_path / "t.wav", tone, SR))[0]
    if sep.sample_rate != SR:
        from taura_desktop.media.audio_io import resample

        ref = resample(ref, SR, sep.sample_rate)
    n = min(n, ref.size)
    residual = float(np.sum((bg[:n, 0] - ref[:n]) ** 2))
    assert residual < 0.5 * float(np.sum(voice**2))  # most of the voice left the background


# --------------------------------------------------------------------------- with the exporter


def test_background_stem_feeds_export_master(tmp_path: Path, store_root: Path,
                                             tiny_model: Path) -> None:
    """The stem is what mix mode "background" consumes: a master with a dub track comes out."""
    from taura_desktop.export.master import export_master
    from taura_desktop.export.mix import MixSettings
    from taura_desktop.export.render import DubTrack, PlacedClip
    from tests.export.mixing import mix_to_array
    from tests.mediagen import make_video

    video = make_video(tmp_path / "v.mp4", 3.0, audio="tone", size="64x48")
    stem = background_stem(video, "v-key", tmp_path / "cache", str(store_root))
    clip = PlacedClip(500, (0.3 * np.sin(np.arange(8000) / 5)).astype(np.float32), 16000)
    track = DubTrack("es", "Spanish (dub)", [clip])
    settings = MixSettings(mode="background")
    report = export_master(video, tmp_path / "out.mp4", [track], [], settings,
                           original_lang="en", background=stem)
    assert report.path.is_file() and not report.problems
    assert sum(1 for s in report.streams if s.kind == "audio") == 2
    # the bed under the dub is the separated background (the tone at 1 - VOCALS_GAIN)
    bed, res = mix_to_array(video, DubTrack("es", "x", []), MixSettings(mode="background"),
                            background=stem)
    assert bed.shape[0] == res.samples == 3 * settings.out_rate
    assert float(np.abs(bed).max()) > 0.01  # the tone survives separation (background = 0.75 x)
