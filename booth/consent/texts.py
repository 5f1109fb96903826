"""Consent texts: one versioned TOML file per language naming the controller, recipients and purposes; by SHA-256."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from booth.config import first_problem
from booth.errors import ConfigError

BUILT_IN = Path(__file__).parent / "texts" / "default"
LANGUAGES = ("en", "fr")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Recipient(Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=2, max_length=200)


class Purpose(Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]{0,39}$")
    title: str = Field(min_length=2, max_length=100)
    description: str = Field(min_length=2, max_length=600)
    recipients: list[str] = Field(default_factory=list, max_length=20)
    """Who receives the clip under this purpose; none for a use that keeps it on the booth."""
    on_booth_screen: bool = Field(
        False, description="The clip may loop on this booth's public screen during the event."
    )


class TextFile(Section):
    version: str = Field(min_length=1, max_length=40)
    language: str = Field(pattern=r"^[a-z]{2}$")
    title: str = Field(min_length=1, max_length=120)
    intro: str = Field(min_length=1, max_length=2000)
    controller: str = Field(min_length=5, max_length=500)
    retention: str = Field(min_length=5, max_length=1000)
    retention_days: int = Field(ge=1, le=3650)
    withdrawal: str = Field(min_length=5, max_length=1000)
    guardian_declaration: str = Field(min_length=5, max_length=600)
    age_question: str = Field(min_length=2, max_length=200)
    recipients: list[Recipient] = Field(min_length=1, max_length=20)
    purposes: list[Purpose] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _recipients_named(self) -> TextFile:
        known = {r.id for r in self.recipients}
        for p in self.purposes:
            unknown = [r for r in p.recipients if r not in known]
            if unknown:
                raise ValueError(f"purpose {p.id} names recipient(s) {', '.join(unknown)} not under [[recipients]]")
        ids = [p.id for p in self.purposes]
        if len(set(ids)) != len(ids):
            raise ValueError("two purposes have the same id")
        return self


@dataclass(frozen=True)
class ConsentText:
    """One language's text, and the SHA-256 of its exact bytes: what a record says it was given under."""

    content: TextFile
    sha256: str
    path: Path

    @property
    def text_id(self) -> str:
        return f"{self.content.version}/{self.content.language}"

    def recipient_names(self, ids: list[str]) -> list[str]:
        """The recipients' names as the text gives them (an id the text lacks stands as itself)."""
        names = {r.id: r.name for r in self.content.recipients}
        return [names.get(r, r) for r in ids]

    def as_json(self) -> dict[str, Any]:
        return {"text_id": self.text_id, "sha256": self.sha256, **self.content.model_dump()}


def load_text(path: Path) -> ConsentText:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such consent text") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a UTF-8 TOML consent text ({exc})") from None
    try:
        content = TextFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_problem(exc)}") from None
    return ConsentText(content, hashlib.sha256(raw).hexdigest(), path)


@dataclass(frozen=True)
class ConsentTexts:
    """The event's texts, one per language, which must offer the same purposes and recipients."""

    by_language: dict[str, ConsentText]
    default_language: str = "en"

    def get(self, language: str | None) -> ConsentText:
        return self.by_language.get(language or "", self.by_language[self.default_language])

    def by_hash(self, sha256: str) -> ConsentText | None:
        return next((t for t in self.by_language.values() if t.sha256 == sha256), None)

    def pick_language(self, accept_language: str) -> str:
        """The first language of an Accept-Language header that there is a text for."""
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in self.by_language:
                return tag
        return self.default_language


def load_texts(folder: Path | None) -> ConsentTexts:
    """en.toml, fr.toml, ... from folder (the built-in example texts when None). English and French are required,
    and every language must offer the same purposes (what each allows included), recipients, version and
    retention."""
    folder = folder or BUILT_IN
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder of consent texts (consent.texts_dir in booth.toml)")
    texts = {p.stem: load_text(p) for p in sorted(folder.glob("*.toml"))}
    missing = [lang for lang in LANGUAGES if lang not in texts]
    if missing:
        raise ConfigError(
            f"{folder}: no consent text in {', '.join(missing)}; write {missing[0]}.toml beside the others"
        )
    reference = texts["en"].content
    for lang, text in texts.items():
        c = text.content
        if c.language != lang:
            raise ConfigError(f"{text.path}: says language = {c.language!r}; the file name says {lang!r}")
        same = (
            [p.id for p in c.purposes] == [p.id for p in reference.purposes]
            and [[*p.recipients] for p in c.purposes] == [[*p.recipients] for p in reference.purposes]
            and [p.on_booth_screen for p in c.purposes] == [p.on_booth_screen for p in reference.purposes]
            and [r.id for r in c.recipients] == [r.id for r in reference.recipients]
            and (c.version, c.retention_days) == (reference.version, reference.retention_days)
        )
        if not same:
            raise ConfigError(
                f"{text.path}: its version, retention, purposes (their recipients and on_booth_screen included) or"
                " recipients differ from en.toml's; every language must say the same thing"
            )
    return ConsentTexts(texts)
