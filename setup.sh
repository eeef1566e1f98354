#!/usr/bin/env bash
# Taura Desktop: one command sets everything up, then runs the demo or the tests.
#
#   ./setup.sh demo      install what is missing, then localize the sample video to Spanish
#   ./setup.sh test      install what is missing, then run the whole test suite
#   ./setup.sh install   only install
#
# Safe to run again: it installs only what is missing. System packages come from apt
# (Debian/Ubuntu); without root it prints the exact apt-get command to run instead.
set -euo pipefail
cd "$(dirname "$0")"

ACTION="${1:-demo}"
shift || true
VENV="${TAURA_VENV:-.venv}"
TORCH_VERSION="2.13.0"
APT_PACKAGES=(
  python3-venv python3-pip ffmpeg libmpv2 espeak-ng apertium apertium-eng-spa rubberband-cli
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0 libx11-6
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-xkb1
  libxkbcommon-x11-0 libx11-xcb1
  desktop-file-utils appstream shared-mime-info
)
REQUIRED_COMMANDS=(ffmpeg ffprobe espeak-ng apertium rubberband)

say() { printf '\033[1m[taura setup]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

install_system_packages() {
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    local missing=()
    for c in "${REQUIRED_COMMANDS[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    if ((${#missing[@]})); then
      die "not a Debian/Ubuntu system and these programs are missing: ${missing[*]}.
Install them with your package manager (plus libmpv, the Qt 6 runtime libraries and Xvfb), then run again."
    fi
    say "no apt-get here; the required programs are present, continuing"
    return
  fi
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say "system packages: all present"
    return
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      die "missing system packages: ${missing[*]}
Run this as root (or with sudo), then run ./setup.sh again:
  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for py in python3.11 python3.12 python3.13 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$py"; return
    fi
  done
  die "Python 3.11 or newer is required (apt-get install python3 on Debian 12 / Ubuntu 24.04)"
}

install_python_packages() {
  local py stamp want
  py="$(find_python)"
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    say "creating virtual environment $VENV with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || die "could not create a venv: install python3-venv (apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install -q --upgrade pip wheel setuptools
  fi
  stamp="$VENV/.taura-installed"
  want="$(cat pyproject.toml packaging/constraints.txt | sha1sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    say "Python packages: up to date"
    return
  fi
  if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('$TORCH_VERSION') else 1)" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
      say "GPU found: installing torch $TORCH_VERSION (CUDA build)"
      "$VENV/bin/pip" install -q "torch==$TORCH_VERSION"
    else
      say "no GPU: installing torch $TORCH_VERSION (CPU build)"
      # a local CPU wheel (pip find-links) when there is one, else PyTorch's CPU index
      "$VENV/bin/pip" install -q --no-index --no-deps "torch==$TORCH_VERSION+cpu" 2>/dev/null ||
        "$VENV/bin/pip" install -q --no-deps "torch==$TORCH_VERSION+cpu" \
          --extra-index-url https://download.pytorch.org/whl/cpu
      "$VENV/bin/pip" install -q -c packaging/constraints.txt "torch==$TORCH_VERSION"  # its dependencies
    fi
  fi
  say "installing Python packages into $VENV (torch pinned by packaging/constraints.txt)"
  "$VENV/bin/pip" install -q -c packaging/constraints.txt -e ".[dev,cluster]"
  echo "$want" > "$stamp"
}

# Real models the tests use (tests/realmodels.py), installed once into a store the test
# runs share. A failed download is a warning: those tests then skip, saying why.
TEST_MODELS=(tiny.en base kokoro-82m en_US-joe-medium speaker-ge2e)
install_test_models() {
  local root="${TAURA_TEST_MODELS:-$HOME/.cache/taura/test-models}" engine name err
  export TAURA_TEST_MODELS="$root"
  mkdir -p "$root/.download-failures"
  for name in "${TEST_MODELS[@]}"; do
    engine="$("$VENV/bin/python" -c "from taura_desktop.modelstore import catalog; print(catalog.get('$name').engine)")"
    if [[ -f "$root/$engine/$name/.complete" ]]; then
      rm -f "$root/.download-failures/$name"
      continue
    fi
    say "installing test model $name into $root"
    if err="$("$VENV/bin/taura" models --models-dir "$root" download "$name" 2>&1 >/dev/null)"; then
      rm -f "$root/.download-failures/$name"
    else
      printf '%s\n' "$err" | tail -n 1 > "$root/.download-failures/$name"
      say "warning: could not install test model $name ($(tail -n 1 "$root/.download-failures/$name")); its tests will skip"
    fi
  done
}

# The demo's speech recognition model, installed once into the user's model store.
install_demo_model() {
  if "$VENV/bin/python" -c "
import sys
from taura_desktop.modelstore.store import ModelStore
sys.exit(0 if ModelStore().is_installed('whisper', 'base') else 1)" 2>/dev/null; then
    say "speech model base: installed"
    return
  fi
  say "installing the speech recognition model base (about 150 MB, once)"
  "$VENV/bin/taura" models download base ||
    die "could not install the speech model 'base' (see the line above)"
}

install_system_packages
install_python_packages
export PATH="$PWD/$VENV/bin:$PATH"

case "$ACTION" in
  install)
    say "installed; run ./setup.sh demo or ./setup.sh test" ;;
  demo)
    install_demo_model
    exec "$VENV/bin/python" -m taura_desktop.demo "$@" ;;
  test)
    install_test_models
    exec "$VENV/bin/python" -m pytest "$@" ;;
  *)
    die "unknown action '$ACTION' (use: demo, test or install)" ;;
esac
