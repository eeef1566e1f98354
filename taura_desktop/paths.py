"""Where files live: data shipped inside the package (``resources``), and user-wide files
(platformdirs): translation memory, user glossary, recent projects."""

from __future__ import annotations

import atexit
import contextlib
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

from taura_desktop.errors import MissingResourceError

APP = "taura-desktop"

# Run-time data ships inside the package, in taura_desktop/resources/ (the checkout's top-level
# resources/ links to it), so a wheel, an editable install and a frozen build all read it the
# same way, through importlib.resources.
_resource_files = contextlib.ExitStack()
atexit.register(_resource_files.close)


def resources_root() -> Traversable:
    """The package's ``resources`` folder (whatever importer loaded the package)."""
    return resources.files("taura_desktop").joinpath("resources")


def resource(rel: str) -> Path:
    """The file ``taura_desktop/resources/REL`` as a real path on disk (e.g. ``icons/taura.svg``).

    Raises :class:`MissingResourceError` (one line, naming the file) when this installation
    lacks it.
    """
    parts = [p for p in rel.split("/") if p]
    item = resources_root().joinpath(*parts)
    if not item.is_file():
        raise MissingResourceError(
            f"taura_desktop/resources/{'/'.join(parts)}: missing from this installation "
            "of taura-desktop (reinstall it)"
        )
    return Path(_resource_files.enter_context(resources.as_file(item)))


def resource_text(rel: str) -> str:
    """The text (UTF-8) of a file shipped in ``taura_desktop/resources``."""
    path = resource(rel)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MissingResourceError(f"{path}: unreadable ({exc}); reinstall taura-desktop") from None


def user_data_dir() -> Path:
    override = os.environ.get("TAURA_DATA_DIR")
    path = Path(override) if override else platformdirs.user_data_path(APP)
    path.mkdir(parents=True, exist_ok=True)
    return path


def memory_path() -> Path:
    """The user-wide translation memory (SQLite)."""
    return user_data_dir() / "memory.sqlite"


def user_glossary_path() -> Path:
    return user_data_dir() / "glossary.json"


def cache_dir() -> Path:
    """Derived data worth keeping across projects (separated background stems)."""
    override = os.environ.get("TAURA_CACHE_DIR")
    path = Path(override) if override else platformdirs.user_cache_path(APP)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: the process umask, read once at start-up (reading it means setting it, so not from threads)
_UMASK = _read_umask()


def share_mode(path: str | os.PathLike[str]) -> None:
    """Give a file written through a private temporary name (0600) the mode a plainly created
    file gets: 0666 minus the umask (0644 under the usual 022)."""
    os.chmod(path, 0o666 & ~_UMASK)
