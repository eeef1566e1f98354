#!/usr/bin/env bash
# Smoke test of the frozen build: the CLI reports its engines and localizes the sample
# (the demo, run by the frozen code), `taura info` reads the project, and the editor opens that
# project under Xvfb and quits cleanly.
#
#   packaging/smoke-frozen.sh [APP_DIR]     (default build/frozen/dist/taura-desktop)
set -euo pipefail
cd "$(dirname "$0")/.."
app="$(cd "${1:-build/frozen/dist/taura-desktop}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The demo transcribes with Whisper: use the model store the tests share when it has one
# (./setup.sh test fills it), else the user's (./setup.sh demo installs base there).
models="${TAURA_TEST_MODELS:-$HOME/.cache/taura/test-models}"
if [[ -z "${TAURA_MODELS_DIR:-}" && -d "$models/whisper" ]]; then export TAURA_MODELS_DIR="$models"; fi
if [[ -z "${TAURA_MODELS_DIR:-}" ]]; then export TAURA_MODELS_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/taura-desktop/models"; fi
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config" \
  XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
step() { printf '\033[1m[frozen smoke]\033[0m %s\n' "$*" >&2; }

step "taura --version"
"$app/taura" --version | tee "$work/version.txt"
grep -q '^taura ' "$work/version.txt"
if grep -E '^  (faster-whisper|CTranslate2|onnxruntime) +not found' "$work/version.txt"; then
  echo "frozen build misses an engine" >&2; exit 1
fi

step "demo (sample video -> Spanish) with the frozen CLI"
"$app/taura-desktop" --demo "$work/demo" > "$work/demo.log"
tail -n 8 "$work/demo.log"
test -s "$work/demo/localized/taura_sample.dubbed.mp4"
test -s "$work/demo/localized/subtitles/taura_sample.es.srt"

step "taura info"
"$app/taura" info "$work/demo/localized/taura_sample.taura" --json > "$work/info.json"
grep -q '"es"' "$work/info.json"

step "bad input gives one line and exit 3"
set +e
"$app/taura" info "$work/nope.taura" 2> "$work/err.txt"; code=$?
set -e
cat "$work/err.txt"
[[ $code -eq 3 && $(wc -l < "$work/err.txt") -eq 1 ]]

step "editor under Xvfb opens the project and quits"
set +e
xvfb-run -a -s "-screen 0 1280x720x24" \
  "$app/taura-desktop" "$work/demo/localized/taura_sample.taura" --vo null --quit-after 6000 \
  > "$work/editor.log" 2>&1; code=$?
set -e
cat "$work/editor.log"
if [[ $code -ne 0 ]] || grep -qiE 'traceback|missing from this installation' "$work/editor.log"; then
  echo "frozen editor failed (exit $code)" >&2; exit 1
fi
step "ok"
