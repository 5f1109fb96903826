"""Identifiers for shots, clips and calibrations: sortable by time, unguessable enough to be unique."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_id(kind: str) -> str:
    """e.g. clip-20261121-142501-3f9a2c: the UTC time it was made, then 24 random bits."""
    return f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
