"""Where the booth keeps consent (booth.db and its secret in the data directory), and a new clip put in it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from booth.atomic import file_sha256
from booth.config import BoothConfig
from booth.consent.store import ConsentStore, load_secret
from booth.consent.texts import ConsentTexts, load_texts
from booth.delivery.outbox import Outbox
from booth.shot import Clip


def database_path(config: BoothConfig) -> Path:
    return config.data_dir / "booth.db"


def open_store(config: BoothConfig) -> ConsentStore:
    """booth.db with its secret.key; SecretKeyError when the key is missing, damaged or another booth's while the
    database holds clips that depend on it."""
    database = database_path(config)
    database.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        database.parent.chmod(0o700)  # frames and clips of people, their consent: the booth's user only
    return ConsentStore(database, load_secret(config.data_dir / "secret.key", database))


def texts_of(config: BoothConfig) -> ConsentTexts:
    folder = config.consent.texts_dir
    return load_texts(config.resolve(folder) if folder is not None else None)


def public_url(config: BoothConfig) -> str:
    web = config.web
    if web.public_url:
        return web.public_url.rstrip("/")
    host = "127.0.0.1" if web.host in ("0.0.0.0", "::") else web.host
    scheme = "https" if web.tls_cert is not None else "http"
    return f"{scheme}://{host}:{web.port}"


def page_url(config: BoothConfig, token: str) -> str:
    return f"{public_url(config)}/c/{token}"


def withdraw_url(config: BoothConfig) -> str:
    """The phone page's withdrawal form, where a participant types their code. The code is never part of the
    address: a QR code of it, photographed off the kiosk's screen, withdraws no one's consent."""
    return f"{public_url(config)}/w"


@dataclass(frozen=True)
class Registered:
    clip_id: str
    url: str


def register(config: BoothConfig, store: ConsentStore, clip: Clip) -> Registered:
    """Put a new clip on the booth's books: its hash, folder and frames, and the phone page that asks for
    consent (its URL is what the QR code holds)."""
    shot_dir = config.data_dir / "shots" / clip.shot_id
    token = store.register_clip(
        clip.clip_id,
        file_sha256(clip.video),
        clip.directory.resolve(),
        shot_dir.resolve() if shot_dir.exists() else None,
        config.consent.token_days,
    )
    return Registered(clip.clip_id, page_url(config, token))


def open_outbox(store: ConsentStore) -> Outbox:
    return Outbox(store)
