"""The booth's named failures: each carries a one-line message that says what is wrong and what to do."""

from __future__ import annotations


class BoothError(Exception):
    """A failure shown to a person as one line; the command exits non-zero and writes nothing half-done."""

    exit_code = 1


class ConfigError(BoothError):
    """booth.toml (or another settings file) is unreadable or has a bad value."""

    exit_code = 2


class InputError(BoothError):
    """A file or folder given to a command cannot be used as it is."""

    exit_code = 2


class CalibrationError(BoothError):
    """The rig cannot be calibrated from what was shot or given."""


class StitchError(BoothError):
    """A shot cannot become a clip."""
