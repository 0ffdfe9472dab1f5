"""Fingerprints: a digest of what a result depends on, so an unchanged input is not redone.

The recording fingerprints each submission (its files, its assignment's source and due date,
the checks, the limits); the hub's deployment stamps the code it installed the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def files_digest(paths: Iterable[Path]) -> bytes:
    return "".join(f"{p.name}:{digest(p.read_bytes())}" for p in sorted(paths) if p.is_file()).encode()
