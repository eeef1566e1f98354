#!/usr/bin/env bash
# Build the wheel, install it (not editable) into a fresh virtualenv, and run the demo and the
# editor from that installation, away from the checkout: what a user of `pip install` gets.
#
#   packaging/check-wheel.sh [WORK_DIR]
#
# The fresh venv has no system site-packages and does not see the checkout. To stay quick and
# offline it borrows the third-party packages already installed in the project's venv
# ($TAURA_VENV, default .venv) through a path entry; the wheel itself is installed with
# --no-deps and `pip check` then verifies that every dependency it declares is satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
VENV="${TAURA_VENV:-.venv}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
say() { printf '\033[1m[wheel check]\033[0m %s\n' "$*" >&2; }

say "building the wheel"
rm -rf "$work/dist" "$work/src"
mkdir -p "$work/src"
# build from a clean export of the tracked files (no caches, no local build folders)
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$work/src"
"$VENV/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" "$work/src"
wheel="$(ls "$work"/dist/taura_desktop-*.whl)"
say "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

say "installing it into a fresh venv"
rm -rf "$work/venv"
"$VENV/bin/python" -m venv --without-pip "$work/venv"
site="$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
deps="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
deps="$(cd "$deps" && pwd)"
echo "$deps" > "$site/zz-borrowed-dependencies.pth"   # third-party packages only: the editable
                                                      # install's finder (.pth) is not run from there
"$VENV/bin/python" -m pip --python "$work/venv/bin/python" install -q --no-deps "$wheel"
if ! "$VENV/bin/python" -m pip --python "$work/venv/bin/python" check > "$work/pip-check.txt" 2>&1; then
  cat "$work/pip-check.txt"; say "error: the wheel's dependencies are not satisfied"; exit 1
fi

# The demo transcribes with Whisper: use the model store the tests share when it has one
# (./setup.sh test fills it), else the user's (./setup.sh demo installs base there).
models="${TAURA_TEST_MODELS:-$HOME/.cache/taura/test-models}"
if [[ -z "${TAURA_MODELS_DIR:-}" && -d "$models/whisper" ]]; then export TAURA_MODELS_DIR="$models"; fi

cd "$work"   # away from the checkout
export PYTHONPATH="" QT_QPA_PLATFORM=offscreen
where="$("$work/venv/bin/python" -c 'import taura_desktop; print(taura_desktop.__file__)')"
[[ "$where" == "$site"/taura_desktop/* ]] || { say "error: taura_desktop imported from $where"; exit 1; }
say "taura_desktop imported from the installed wheel: $where"

"$work/venv/bin/taura" --version | head -n 1
"$work/venv/bin/taura-desktop" --version | head -n 1

rm -rf "$work/demo"
if [[ -d "${TAURA_MODELS_DIR:-/nonexistent}/whisper" ]]; then
  say "the demo, from the installed package"
  "$work/venv/bin/python" -m taura_desktop.demo "$work/demo" | tail -n 4
else  # no speech model could be installed: the same pipeline from the sample's subtitles
  say "no speech model here: the sample localized from its subtitles, from the installed package"
  "$work/venv/bin/python" -m taura_desktop.sample "$work/demo/sample" --seconds 40 >/dev/null
  "$work/venv/bin/taura" localize "$work/demo/sample/taura_sample.mp4" --to es \
    --subs "$work/demo/sample/taura_sample.en.srt" -o "$work/demo/localized" --offline | tail -n 4
fi
test -s "$work/demo/localized/subtitles/taura_sample.es.srt"
test -s "$work/demo/localized/taura_sample.dubbed.mp4"

say "the editor, from the installed package, opens the demo project"
log="$work/editor.log"
"$work/venv/bin/taura-desktop" "$work/demo/localized/taura_sample.taura" --vo null --quit-after 3000 > "$log" 2>&1 || {
  cat "$log"; say "error: the editor failed"; exit 1; }
if grep -E 'missing from this installation|Traceback' "$log"; then say "error: the editor lacks its resources"; exit 1; fi
say "ok"
