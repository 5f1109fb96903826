"""collector.toml: the agency's collector, validated like booth.toml (unknown keys refused, every key documented)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PrivateAttr, ValidationError

from booth.config import BrokerSection, Identifier, Section, first_problem, read_toml
from booth.errors import ConfigError


class CollectorConfig(Section):
    """Everything in collector.toml."""

    broker: BrokerSection = Field(default_factory=BrokerSection, description="The broker the booths send to.")
    recipient: Identifier = Field(
        "orbita-agency", description="Whose collector this is: the recipient id the consent texts name."
    )
    group: Identifier | None = Field(
        "collectors",
        description="Shared-subscription group: collectors of one recipient in the same group split the load"
        " (they must share the output folder).",
    )
    out: Path = Field(Path("received"), description="Where clips are written, <out>/<event>/<booth>/<clip-id>/.")
    max_file_mb: int = Field(200, ge=1, le=4096, description="Largest file a booth may send, MB; bigger is refused.")
    max_clips_in_flight: int = Field(
        200, ge=1, le=100_000, description="Clips being reassembled at once; a new clip past this waits."
    )
    booth_clips_in_flight: int = Field(
        8, ge=1, le=10_000, description="Clips one booth may have under way at once; its next clip waits."
    )
    booth_mb_in_flight: int = Field(
        2048, ge=1, le=1_000_000, description="MB one booth's clips under way may come to; its next clip waits."
    )
    stall_hours: float = Field(
        6.0,
        gt=0.0,
        le=720.0,
        description="Hours a clip may go without a chunk before it is dropped (and started"
        " again if its booth comes back).",
    )

    _base_dir: Path = PrivateAttr(default=Path("."))

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self._base_dir / path

    @property
    def out_dir(self) -> Path:
        return self.resolve(self.out)


def load_collector_config(path: Path | None) -> CollectorConfig:
    if path is None:
        return CollectorConfig()
    data = read_toml(path)
    try:
        config = CollectorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_problem(exc)}") from None
    config._base_dir = path.parent
    return config
