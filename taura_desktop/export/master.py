"""Deliver a dubbed master: the source video copied, original + dubbed audio tracks, soft subs.

One ffmpeg run does all the writing: it copies the source video and original audio (``-c copy``,
never re-encoded), encodes each language's final mix (AAC ``-aac_coder fast``, or Opus/FLAC in
MKV) streamed to it through a pipe by ``mix.mix_tracks`` (loudness estimated, one rendering
pass; see there), and muxes them with the subtitle files, language tags, titles and
dispositions into a hidden partial file, renamed into place only when complete. The result is
then probed and compared with what was asked (``verify.verify_master``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from taura_desktop.errors import MediaError, SubtitleError, UsageError
from taura_desktop.export._proc import Cancel, PcmMux, Progress, check_cancel, run_ffmpeg
from taura_desktop.export.atomic import atomic_output
from taura_desktop.export.mix import MixResult, MixSettings, mix_tracks
from taura_desktop.export.render import DubTrack
from taura_desktop.export.verify import ExpectedTrack, verify_master
from taura_desktop.languages import primary_language
from taura_desktop.media.probe import ProbedStream, mp4_audio_ok, mp4_video_ok, probe_cached, probe_streams

# ISO 639-1 -> ISO 639-2/B (the form MP4 and Matroska language tags use).
_ISO2_TO_3: dict[str, str] = {
    "af": "afr", "am": "amh", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "bn": "ben",
    "bs": "bos", "ca": "cat", "cs": "cze", "cy": "wel", "da": "dan", "de": "ger", "el": "gre",
    "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin",
    "fil": "fil", "fr": "fre", "ga": "gle", "gl": "glg", "gu": "guj", "he": "heb", "hi": "hin",
    "hr": "hrv", "hu": "hun", "hy": "arm", "id": "ind", "is": "ice", "it": "ita", "ja": "jpn",
    "jv": "jav", "ka": "geo", "kk": "kaz", "km": "khm", "kn": "kan", "ko": "kor", "ku": "kur",
    "ky": "kir", "la": "lat", "lb": "ltz", "lo": "lao", "lt": "lit", "lv": "lav", "mk": "mac",
    "ml": "mal", "mn": "mon", "mr": "mar", "ms": "may", "mt": "mlt", "my": "bur", "nb": "nob",
    "ne": "nep", "nl": "dut", "nn": "nno", "no": "nor", "oc": "oci", "pa": "pan", "pl": "pol",
    "ps": "pus", "pt": "por", "ro": "rum", "ru": "rus", "si": "sin", "sk": "slo", "sl": "slv",
    "so": "som", "sq": "alb", "sr": "srp", "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel",
    "tg": "tgk", "th": "tha", "tl": "tgl", "tr": "tur", "uk": "ukr", "ur": "urd", "uz": "uzb",
    "vi": "vie", "yi": "yid", "yo": "yor", "zh": "chi", "zu": "zul",
}
_KNOWN3 = set(_ISO2_TO_3.values()) | {
    "deu", "fra", "zho", "ces", "nld", "ell", "fas", "ron", "slk", "sqi", "hye", "eus", "kat",
    "isl", "mkd", "msa", "mya", "cym", "und", "mul", "zxx",
}


def iso639_2(lang: str) -> str:
    """``"es"``/``"es-MX"``/``"spa"`` -> ``"spa"``; UsageError for a code we cannot map."""
    code = primary_language(lang)
    if code in _ISO2_TO_3:
        return _ISO2_TO_3[code]
    if len(code) == 3 and code.isalpha():
        return code
    raise UsageError(f"language {lang!r}: not an ISO 639-1 or ISO 639-2 code")


@dataclass(frozen=True, slots=True)
class SubtitleTrack:
    """A subtitle file (SRT, ASS/SSA or VTT) to add as a soft track."""

    lang: str
    title: str
    path: Path
    is_source: bool = False


@dataclass(frozen=True, slots=True)
class MasterReport:
    path: Path
    duration_ms: int | None
    source_duration_ms: int
    tracks: tuple[MixResult, ...]  # one per dub track, in order
    streams: tuple[ProbedStream, ...]
    problems: tuple[str, ...]  # empty when the master is as asked
    elapsed_s: float


_CODECS: dict[str, tuple[str, dict[str, str]]] = {  # name: (encoder, per-stream options)
    "aac": ("aac", {"-b": "192k"}),
    "opus": ("libopus", {"-b": "128k"}),
    "flac": ("flac", {}),
}
_SUB_EXT = {".srt", ".ass", ".ssa", ".vtt"}


class _Background:
    """Runs ``fn`` in a thread; ``result()`` waits for it (and re-raises its error)."""

    def __init__(self, fn: Callable[[], tuple[int | None, list[ProbedStream]]]) -> None:
        self._fn = fn
        self._out: tuple[int | None, list[ProbedStream]] | None = None
        self._exc: BaseException | None = None
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        try:
            self._out = self._fn()
        except BaseException as e:  # handed to result()
            self._exc = e

    def result(self) -> tuple[int | None, list[ProbedStream]]:
        self._t.join()
        if self._exc is not None:
            raise self._exc
        assert self._out is not None
        return self._out


def _check_inputs(video: Path, out: Path, subtitle_tracks: Sequence[SubtitleTrack],
                  audio_codec: str) -> str:
    fmt = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"{out}: master must be .mp4 or .mkv")
    if audio_codec not in _CODECS:
        raise UsageError(f"audio codec {audio_codec!r}: use aac, opus or flac")
    if audio_codec != "aac" and fmt != "matroska":
        raise UsageError(f"{out}: audio codec {audio_codec} needs an .mkv master (MP4 gets aac)")
    if out.resolve() == video.resolve():
        raise UsageError(f"{out}: output would overwrite the source video")
    if not out.parent.is_dir():
        raise MediaError(f"{out}: output folder does not exist")
    for st in subtitle_tracks:
        p = Path(st.path)
        if not p.is_file() or p.stat().st_size == 0:
            raise SubtitleError(f"{p}: subtitle file is missing or empty")
        if p.suffix.lower() not in _SUB_EXT:
            raise SubtitleError(f"{p}: unsupported subtitle format (use .srt, .ass or .vtt)")
    return fmt


def export_master(
    video: Path,
    out: Path,
    dub_tracks: Sequence[DubTrack],
    subtitle_tracks: Sequence[SubtitleTrack],
    settings: MixSettings,
    *,
    original_lang: str | None,
    keep_original: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    audio_codec: str = "aac",
    aac_fast: bool = True,
    background: Path | None = None,
    original_title: str = "Original",
    faststart: bool = False,
    exact_loudness: bool = False,
) -> MasterReport:
    """Write ``out`` (.mp4 or .mkv): video copied, original audio copied (tagged
    ``original_lang``), one mixed dub track per ``dub_tracks`` entry (first one default),
    soft subtitles. Atomic: a cancel (``cancel()`` true, or ``progress`` raising
    CancelledError) or failure leaves no output file. ``background`` is a separated
    background stem for mode "background". ``exact_loudness``: measure the mix in an extra
    pass instead of estimating its loudness (see ``mix.mix_tracks``)."""
    t0 = time.monotonic()
    video, out = Path(video), Path(out)
    info = probe_cached(video)  # MediaError (exit 3) for missing / corrupt media
    fmt = _check_inputs(video, out, subtitle_tracks, audio_codec)
    if fmt == "mp4" and not mp4_video_ok(info):  # checked before any mixing, not at the mux
        codec = info.video.codec if info.video else "?"
        raise MediaError(f"{video}: its {codec} video cannot go into an MP4 master (video is copied, "
                         f"never re-encoded); export to .mkv instead")
    orig_encode = fmt == "mp4" and not mp4_audio_ok(info)  # e.g. Vorbis or 8-bit PCM: AAC
    has_orig_audio = info.has_audio
    orig_lang3 = iso639_2(original_lang) if original_lang else "und"
    dub_langs = [iso639_2(t.lang) for t in dub_tracks]
    sub_langs = [iso639_2(t.lang) for t in subtitle_tracks]
    if not dub_tracks and not (keep_original and has_orig_audio):
        raise UsageError(f"{out}: nothing to export (no dub tracks and no original audio kept)")

    def report(frac: float, msg: str) -> None:
        check_cancel(cancel)
        if progress is not None:
            progress(min(1.0, max(0.0, frac)), msg)

    encoder, enc_opts = _CODECS[audio_codec]
    enc_opts = {**enc_opts, "-ar": str(settings.out_rate)}
    if audio_codec == "aac" and aac_fast:
        enc_opts["-aac_coder"] = "fast"
    ch = info.audio_streams[0].channels if info.audio_streams else None
    channels = 2 if ch is None else max(1, min(2, ch))
    mix_share = 0.95 if dub_tracks else 0.0
    results: list[MixResult] = []
    n_orig = 1 if keep_original and has_orig_audio else 0
    n_dub = len(dub_tracks)

    def build(pcm_inputs: Sequence[Sequence[str]], tmp: Path) -> list[str]:
        """ffmpeg arguments: input 0 the source, 1..n the dub PCM streams, then subtitles."""
        args: list[str] = ["-i", str(video)]
        for spec in pcm_inputs:
            args += spec
        for st in subtitle_tracks:
            args += ["-i", str(st.path)]
        args += ["-map", "0:v:0?"]
        a_meta: list[tuple[str, str]] = []
        if n_orig:
            args += ["-map", "0:a:0"]
            a_meta.append((orig_lang3, original_title))
        for i, t in enumerate(dub_tracks):
            args += ["-map", f"{1 + i}:a:0"]
            a_meta.append((dub_langs[i], t.title))
        for j in range(len(subtitle_tracks)):
            args += ["-map", f"{1 + n_dub + j}:s:0"]
        args += ["-c:v", "copy", "-c:a", "copy",
                 "-c:s", "mov_text" if fmt in ("mp4", "mov") else "copy",
                 "-map_metadata", "0", "-map_chapters", "0", "-max_muxing_queue_size", "4096"]
        if n_orig and orig_encode:  # an original MP4 cannot hold as it is
            args += ["-c:a:0", "aac", "-b:a:0", "192k"]
        for k in range(n_dub):  # the dubs are encoded (the original stays a copy)
            args += [f"-c:a:{n_orig + k}", encoder]
            for opt, value in enc_opts.items():
                args += [f"{opt}:a:{n_orig + k}", value]
        for k, (lang3, title) in enumerate(a_meta):
            args += [f"-metadata:s:a:{k}", f"language={lang3}", f"-metadata:s:a:{k}", f"title={title}",
                     f"-metadata:s:a:{k}", f"handler_name={title}"]
            is_default = (k == n_orig) if dub_tracks else (k == 0)
            args += [f"-disposition:a:{k}", "default" if is_default else "0"]
        for j, st in enumerate(subtitle_tracks):
            args += [f"-metadata:s:s:{j}", f"language={sub_langs[j]}",
                     f"-metadata:s:s:{j}", f"title={st.title}",
                     f"-metadata:s:s:{j}", f"handler_name={st.title}",
                     f"-disposition:s:{j}", "0"]
        if fmt in ("mp4", "mov") and faststart:
            args += ["-movflags", "+faststart"]
        return [*args, "-f", fmt, str(tmp)]

    src_probe = _Background(lambda: probe_streams(video))  # for verify, while we mix
    with atomic_output(out) as tmp:
        if not dub_tracks:
            report(0.0, "muxing")
            run_ffmpeg(build([], tmp), what=str(out), duration_s=info.duration_ms / 1000,
                       on_fraction=lambda f: report(0.97 * f, "muxing"), cancel=cancel)
        else:
            what = f"{out} (mixing and encoding)"
            mux = [PcmMux(lambda specs: build(specs, tmp), n_dub, rate=settings.out_rate,
                          channels=channels, what=what)]

            def restart() -> None:  # the loudness estimate missed: encode again from the start
                mux[0].kill()
                mux[0] = PcmMux(lambda specs: build(specs, tmp), n_dub, rate=settings.out_rate,
                                channels=channels, what=what)

            try:
                report(0.0, "mixing")
                results = mix_tracks(
                    video, dub_tracks, settings,
                    [functools.partial(lambda i, b: mux[0].write(i, b), i) for i in range(n_dub)],
                    duration_ms=info.duration_ms, channels=channels, background=background,
                    on_fraction=lambda f: report(mix_share * f, "mixing and encoding"),
                    cancel=cancel, exact_loudness=exact_loudness, restart=restart,
                )
                report(mix_share, "muxing")
                mux[0].close(cancel=cancel, on_wait=lambda: report(mix_share, "muxing"))
            except BaseException:
                mux[0].kill()
                raise
        report(0.97, "muxing done")

    report(0.97, "verifying")
    dur, streams, problems = verify_master(
        out, source=video, source_probe=src_probe.result(),
        original=ExpectedTrack(orig_lang3, original_title) if n_orig else None,
        dubs=[ExpectedTrack(dub_langs[i], t.title) for i, t in enumerate(dub_tracks)],
        subtitles=[ExpectedTrack(sub_langs[j], st.title) for j, st in enumerate(subtitle_tracks)],
        fps=info.fps,
    )
    for r in results:
        if r.clips_outside:
            problems.append(f"{r.lang} dub: {r.clips_outside} clip(s) run past the programme and were cut")
        if r.input_lufs != float("-inf") and abs(r.output_lufs - settings.target_lufs) > 1.0:
            problems.append(
                f"{r.lang} dub: loudness {r.output_lufs:.1f} LUFS misses the target "
                f"{settings.target_lufs:.1f} LUFS (limiter working hard)"
            )
    if progress is not None:
        progress(1.0, "done")
    return MasterReport(
        path=out, duration_ms=dur, source_duration_ms=info.duration_ms, tracks=tuple(results),
        streams=tuple(streams), problems=tuple(problems), elapsed_s=time.monotonic() - t0,
    )



