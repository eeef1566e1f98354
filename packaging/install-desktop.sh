#!/usr/bin/env bash
# Register Taura Desktop with the desktop: launcher, AppStream metainfo, the .taura MIME type
# (a double click on a project opens it in the editor) and the icon at the usual sizes.
#
#   packaging/install-desktop.sh [--prefix DIR] [--exec PATH]
#
# DIR defaults to ${XDG_DATA_HOME:-~/.local/share} (use /usr/local/share for all users).
# PATH is the taura-desktop program the launcher runs (default: the one on PATH, else the
# name alone). PYTHON (default: python3 beside that program, else python3) renders the icons.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
exe=""
while (($#)); do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --exec) exe="$2"; shift 2 ;;
    *) echo "usage: $0 [--prefix DIR] [--exec PATH]" >&2; exit 2 ;;
  esac
done
id=io.github.tauradesktop.Taura
[[ -n "$exe" ]] || exe="$(command -v taura-desktop || echo taura-desktop)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$(dirname "$exe")/python" ]]; then python="$(dirname "$exe")/python"; else python=python3; fi
fi

install -d "$prefix/applications" "$prefix/metainfo" "$prefix/mime/packages" "$prefix/icons"
sed -e "s|^Exec=taura-desktop|Exec=$exe|" -e "s|^TryExec=taura-desktop|TryExec=$exe|" \
  "$here/linux/$id.desktop" > "$prefix/applications/$id.desktop"
install -m 644 "$here/linux/$id.metainfo.xml" "$prefix/metainfo/$id.metainfo.xml"
install -m 644 "$here/linux/$id.mime.xml" "$prefix/mime/packages/$id.xml"
"$python" "$here/make_icons.py" "$prefix/icons" >/dev/null

update-mime-database "$prefix/mime"
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database "$prefix/applications"; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f "$prefix/icons/hicolor" || true
fi
echo "installed $id into $prefix (launcher runs $exe)"
