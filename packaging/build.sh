#!/usr/bin/env bash
# Build the frozen one-folder app with PyInstaller, measure it, then smoke-test it.
#
#   packaging/build.sh [--no-smoke]
#
# Uses the project's virtualenv ($TAURA_VENV, default .venv; PyInstaller is installed there
# when missing). Output: build/frozen/dist/taura-desktop/ (executables `taura-desktop` and
# `taura`), and build/frozen/report.txt with the build time and size.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TAURA_VENV:-.venv}"
PY="$VENV/bin/python"
OUT=build/frozen
[[ -x "$PY" ]] || { echo "no virtualenv at $VENV: run ./setup.sh install first" >&2; exit 2; }
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
  "$PY" -m pip install -q -c packaging/constraints.txt "pyinstaller>=6.10"
fi

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/work" packaging/taura-desktop.spec
seconds=$(( $(date +%s) - start ))
app="$OUT/dist/taura-desktop"
ln -sf taura-desktop "$app/taura"
bytes=$(du -sb "$app" | cut -f1)
files=$(find "$app" -type f | wc -l)
torch=$([[ -n "$(find "$app" -path '*torch*' -name '*.so*' -print -quit)" ]] && echo yes || echo no)
{
  echo "build_seconds=$seconds"
  echo "size_bytes=$bytes"
  echo "size_mib=$(( bytes / 1048576 ))"
  echo "files=$files"
  echo "torch_bundled=$torch"
  echo "pyinstaller=$("$PY" -c 'import PyInstaller; print(PyInstaller.__version__)')"
  echo "cores=$(nproc)"
} | tee "$OUT/report.txt"

if [[ "${1:-}" != "--no-smoke" ]]; then
  packaging/smoke-frozen.sh "$app"
fi
