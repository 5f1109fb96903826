"""A consent record: who agreed to what, for which clip, under which text, how; validated before it is kept."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from booth.errors import BoothError


class ConsentError(BoothError):
    """A consent that cannot be recorded as given; the message says in plain words what to change, for the
    participant to read on the phone page or the kiosk (booth.consent.page_words.say puts it in French)."""

    exit_code = 2


class Method(Enum):
    PHONE = "phone"
    KIOSK = "kiosk"


class AgeBand(Enum):
    """Relative to the event's age threshold (consent.age_threshold): below it a guardian consents."""

    UNDER_THRESHOLD = "under_threshold"
    MINOR = "minor"
    ADULT = "adult"


EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_NAME = 120
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that reorder the text around them: in a name, they make it read as something else."""
MAX_EMAIL = 254

# what people read when a choice cannot be kept: no field names, nothing the screen they are on lacks
NAME_LENGTH = f"Give the name of the parent or guardian, from 2 to {MAX_NAME} characters."
NAME_HIDDEN = "The name of the parent or guardian holds hidden characters that change how it reads; type it again."
NOT_AN_EMAIL = "This is not an e-mail address like name@example.com."
NO_AGE = "Choose the age of the person in the clip."
NOT_OFFERED = "One of the choices is not a use offered here; choose again among those shown."
GUARDIAN_ON_PHONE = (
    "Below the age limit, a parent or guardian consents for the participant: give their name and confirm that they"
    " are the parent or guardian."
)
GUARDIAN_ON_KIOSK = (
    "Below the age limit, a parent or guardian decides, with their name, on their phone; here you can only refuse"
    " everything."
)
EMAIL_WITHOUT_SEND_ME = (
    "An e-mail address is only used to send you your clip: switch that on, or leave the address empty."
)
CLIP_GONE = "This clip is no longer on the booth."
ALREADY_RECORDED = "A choice was already saved for this clip; to change it, withdraw it with your withdrawal code."
CLIP_CHANGED = "This clip changed after it was shown; ask the booth staff for help."


@dataclass(frozen=True)
class Guardian:
    name: str
    declaration_sha256: str
    """The SHA-256 of the guardian declaration's words, as the text gave them."""


@dataclass(frozen=True)
class ConsentRecord:
    """Never rewritten once kept: a withdrawal is an event in the audit log, not an edit."""

    record_id: str
    clip_id: str
    clip_sha256: str
    text_id: str
    text_version: str
    text_sha256: str
    language: str
    purposes: dict[str, bool]
    method: str
    booth_id: str
    created_at: str
    age_band: str
    retention_days: int
    """How long the clip may be kept, as the text promised."""
    guardian: Guardian | None = None
    email: str | None = None
    recipients: dict[str, list[str]] = field(default_factory=dict)
    """Purpose id: the recipients it names, copied from the text, so the record alone says who may receive."""

    def granted(self) -> list[str]:
        return [p for p, on in self.purposes.items() if on]

    def covers(self, recipient: str) -> list[str]:
        """The granted purposes under which `recipient` may receive the clip."""
        return [p for p in self.granted() if recipient in self.recipients.get(p, [])]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConsentRecord:
        guardian = data.get("guardian")
        return cls(**{**data, "guardian": Guardian(**guardian) if guardian else None})


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not 2 <= len(name) <= MAX_NAME:
        raise ConsentError(NAME_LENGTH)
    if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name):
        raise ConsentError(NAME_HIDDEN)
    return name


def clean_email(value: str) -> str:
    email = value.strip()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise ConsentError(NOT_AN_EMAIL)
    return email


def age_band(value: str) -> AgeBand:
    try:
        return AgeBand(value)
    except ValueError:
        raise ConsentError(NO_AGE) from None
