"""Caches of fitted models, beside the cleaned-data cache of :mod:`campaignlab.iorw` (the IO layer owns both).

A lifetime-value fit is stored as JSON under ``<cache>/clv/<key>.json``, where ``<cache>`` is
:func:`campaignlab.iorw.default_cache_dir` (``outputs/_cache``, or ``CAMPAIGNLAB_CACHE``) and ``<key>`` the
fingerprint of the data and settings the fit saw (:func:`campaignlab.stats.clv.compute_fit_key`). JSON keeps every
float exactly (Python writes the shortest text that reads back as the same double), so a model restored from the
cache predicts byte for byte what the fresh fit did. Files are written atomically; a damaged file is ignored and
replaced by the next fit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from campaignlab import iorw

CLV_FOLDER = "clv"
_KEY = re.compile(r"^[0-9a-f]{16,64}$")


def clv_cache_dir(cache_dir: Path | None = None) -> Path:
    """The folder of cached lifetime-value fits."""
    return (Path(cache_dir) if cache_dir else iorw.default_cache_dir()) / CLV_FOLDER


def _clv_path(key: str, cache_dir: Path | None) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"a lifetime-value cache key is 16 to 64 lowercase hex digits, got {key!r}")
    return clv_cache_dir(cache_dir) / f"{key}.json"


def read_clv_fit(key: str, cache_dir: Path | None = None) -> dict[str, Any] | None:
    """The cached fit stored under ``key`` (``{"bgnbd": {...}, "gamma_gamma": {...}}``), or None when there is none."""
    path = _clv_path(key, cache_dir)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or not isinstance(stored.get("bgnbd"), dict):
        return None
    return {"bgnbd": stored["bgnbd"], "gamma_gamma": stored.get("gamma_gamma") or {}}


def write_clv_fit(key: str, bgnbd: dict[str, Any], gamma_gamma: dict[str, Any],
                  cache_dir: Path | None = None) -> Path:
    """Store a fit's parameters under ``key``; returns the file written."""
    return iorw.write_json(_clv_path(key, cache_dir), {"key": key, "bgnbd": bgnbd, "gamma_gamma": gamma_gamma})
