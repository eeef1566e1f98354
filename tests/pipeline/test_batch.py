"""`taura batch` on a local Ray runtime: the same outputs as `taura localize`, a failed video
does not stop the others, a killed batch resumes, and no Ray process is left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from taura_desktop.app.batch import STATE_FILE, discover, find_subs
from taura_desktop.cli import main
from taura_desktop.errors import BadInputError, ExitCode
from taura_desktop.sample import make_sample

ROOT = Path(__file__).resolve().parents[2]
RAY_NAMES = ("raylet", "gcs_server", "ray::", "ray/_private", "ray/dashboard")


def ray_processes() -> set[int]:
    """Pids of Ray's processes on this machine (head, raylet, workers, agents)."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(n in cmd for n in RAY_NAMES):
            found.add(int(proc.name))
    return found


def wait_until_gone(before: set[int], limit_s: float = 90.0) -> set[int]:
    """Ray processes started since ``before`` that are still alive after up to ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while (left := ray_processes() - before) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


# -- finding the work (no Ray) ----------------------------------------------------------------
def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_folder_pairs_videos_with_source_subtitles(tmp_path: Path) -> None:
    a = _touch(tmp_path / "a.mp4")
    _touch(tmp_path / "a.fr.srt")
    _touch(tmp_path / "a.es.srt")  # a target language: not a source
    _touch(tmp_path / "b.mkv")
    _touch(tmp_path / "notes.txt")
    jobs = discover(tmp_path, ("es",))
    assert [(j.video.name, j.subs.name if j.subs else None, j.source_lang) for j in jobs] == [
        ("a.mp4", "a.fr.srt", "fr"),
        ("b.mkv", None, None),
    ]
    assert find_subs(a, "subs/{stem}.srt", ("es",)) == (None, None)
    _touch(tmp_path / "subs" / "a.srt")
    assert find_subs(a, "subs/{stem}.srt", ("es",)) == (tmp_path / "subs" / "a.srt", None)
    _touch(tmp_path / "a.de.srt")
    with pytest.raises(BadInputError, match=r"a\.mp4: several source subtitles match"):
        discover(tmp_path, ("es",))


def test_csv_lists_videos_subtitles_and_targets(tmp_path: Path) -> None:
    _touch(tmp_path / "media" / "one.mp4")
    _touch(tmp_path / "media" / "one.en.srt")
    _touch(tmp_path / "two.mp4")
    batch = _touch(
        tmp_path / "batch.csv", "video,subs,targets\nmedia/one.mp4,media/one.en.srt,es;fr\ntwo.mp4,,\n"
    )
    jobs = discover(batch, ("de",))
    assert [(j.video, j.subs, j.source_lang, j.targets) for j in jobs] == [
        (tmp_path / "media" / "one.mp4", tmp_path / "media" / "one.en.srt", "en", ("es", "fr")),
        (tmp_path / "two.mp4", None, None, ("de",)),
    ]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "nope", "nope: no such file or folder"),
        (lambda d: _touch(d / "empty" / "readme.txt").parent, "empty: no videos found"),
        (lambda d: _touch(d / "l.csv", "name,x\na,b\n"), "l.csv: not a batch list"),
        (lambda d: _touch(d / "l.csv", "video\nmissing.mp4\n"), "l.csv:2: missing.mp4: no such video"),
        (
            lambda d: _touch(d / "l.csv", f"video\n{_touch(d / 'x' / 'a.mp4')}\n{_touch(d / 'a.mp4')}\n"),
            "same name as",
        ),
    ],
)
def test_bad_input_is_one_line_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], needle: str
) -> None:
    source = make(tmp_path)
    code = main(["batch", str(source), "--to", "es", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_INPUT
    assert err.startswith("taura: ") and needle in err and err.count("\n") == 1


@pytest.mark.parametrize("flags", [["--cluster", "yarn"], ["--num-cpus", "0"]])
def test_bad_cluster_flags_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    _touch(tmp_path / "in" / "a.mp4")
    code = main(["batch", str(tmp_path / "in"), "--to", "es", "-o", str(tmp_path / "out"), *flags])
    err = capsys.readouterr().err
    assert (
        code == ExitCode.USAGE and err.startswith(f"taura: taura batch: {flags[0]} ") and err.count("\n") == 1
    )


def test_without_ray_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path / "in" / "a.mp4")
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code = main(["batch", str(tmp_path / "in"), "--to", "es", "-o", str(tmp_path / "out")])
    assert code == ExitCode.ENGINE_UNAVAILABLE
    assert capsys.readouterr().err == (
        "taura: ray: not installed (pip install 'taura-desktop[cluster]' for taura batch)\n"
    )


# -- on a local Ray runtime -------------------------------------------------------------------
@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two 10 s narrated videos with English subtitles beside them."""
    folder = tmp_path_factory.mktemp("batch-in")
    gen = tmp_path_factory.mktemp("batch-gen")
    for stem in ("clip0", "clip1"):
        media = make_sample(gen / stem, seconds=10, stem=stem)
        shutil.copy(media.video, folder)
        shutil.copy(media.subtitles, folder)
    yield folder


@pytest.mark.slow
def test_batch_killed_then_resumed_matches_localize(
    videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    before = ray_processes()
    cmd = [sys.executable, "-m", "taura_desktop.cli", "batch", str(videos), "--to", "es", "-o", str(out),
           "--cluster", "local", "--num-cpus", "1", "--offline"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # one video at a time: kill the batch once the first is done and the second has begun
    deadline = time.monotonic() + 400
    while (
        not (out / "clip1" / "clip1.taura").exists() and proc.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.CANCELLED, stderr
    assert "batch cancelled: run the same command again to resume" in stderr
    assert wait_until_gone(before) == set()  # the local runtime was shut down
    state = json.loads((out / STATE_FILE).read_text())
    assert list(state["done"]) == ["clip0"]
    assert (out / "clip1" / "clip1.taura").exists()  # unfinished: resumed from this project

    # a broken video joins the folder: it fails, the others do not
    (videos / "broken.mp4").write_bytes(b"not a video at all\n" * 64)
    try:
        code = main(
            ["batch", str(videos), "--to", "es", "-o", str(out), "--cluster", "local", "--num-cpus", "2"]
        )
    finally:
        (videos / "broken.mp4").unlink()
    captured = capsys.readouterr()
    assert code == ExitCode.INTERNAL, captured.err
    assert "1 done, 1 skipped, 1 failed" in captured.out
    (fail_line,) = [ln for ln in captured.err.splitlines() if ln.startswith("taura: ") and "broken.mp4" in ln]
    assert "broken.mp4" in fail_line
    assert wait_until_gone(before) == set()
    state = json.loads((out / STATE_FILE).read_text())
    assert sorted(state["done"]) == ["clip0", "clip1"]

    # the same files, byte for byte, as `taura localize` writes for each video
    for stem in ("clip0", "clip1"):
        ref = tmp_path / f"ref-{stem}"
        assert main(["localize", str(videos / f"{stem}.mp4"), "--to", "es", "--subs",
                     str(videos / f"{stem}.en.srt"), "-o", str(ref)]) == 0  # fmt: skip
        names = sorted(p.name for p in (ref / "subtitles").iterdir())
        assert names == sorted(p.name for p in (out / stem / "subtitles").iterdir())
        assert f"{stem}.es.srt" in names and f"{stem}.es.ttml" in names
        for name in names:
            assert (out / stem / "subtitles" / name).read_bytes() == (ref / "subtitles" / name).read_bytes()
        assert sorted(p.name for p in (out / stem).iterdir()) == sorted(p.name for p in ref.iterdir())
    capsys.readouterr()

    # a third run has nothing to do: no cluster is started
    code = main(["batch", str(videos), "--to", "es", "-o", str(out), "--cluster", "local"])
    assert code == 0
    assert "0 done, 2 skipped, 0 failed" in capsys.readouterr().out
