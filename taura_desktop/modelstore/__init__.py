"""Model store: local model folders for every engine, the model catalog, downloads, imports.

Engines only ever receive local paths: ``ModelStore().path("whisper", "small")``.
See ``store.py`` for the on-disk layout (a contract) and models/README.md for users.
(The download function is re-exported as ``download_model`` so that
``taura_desktop.modelstore.download`` stays the module.)
"""

from __future__ import annotations

from taura_desktop.modelstore.archive import safe_extract
from taura_desktop.modelstore.catalog import ENGINES, CatalogEntry, entries, get, license_notice
from taura_desktop.modelstore.download import DownloadProgress
from taura_desktop.modelstore.download import download as download_model
from taura_desktop.modelstore.offline import (
    NetworkBlockedError,
    block_network,
    is_offline,
    offline_mode,
    set_offline,
)
from taura_desktop.modelstore.store import (
    InstalledModel,
    ModelStore,
    VerifyResult,
    resolve_root,
)

__all__ = [
    "ENGINES",
    "CatalogEntry",
    "DownloadProgress",
    "InstalledModel",
    "ModelStore",
    "NetworkBlockedError",
    "VerifyResult",
    "block_network",
    "download_model",
    "entries",
    "get",
    "is_offline",
    "license_notice",
    "offline_mode",
    "resolve_root",
    "safe_extract",
    "set_offline",
]
