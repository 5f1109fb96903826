"""Where a rig's calibration is kept: calibration.file when booth.toml names one, else the rig's own file."""

from __future__ import annotations

from pathlib import Path

from booth.config import BoothConfig


def calibration_path(config: BoothConfig, rig_id: str) -> Path:
    """calibration.file when booth.toml names one, on any rig; otherwise the rig's own file under data_dir
    (where the kiosk's staff panel saves what it calibrates)."""
    if config.calibration.file is not None:
        return config.resolve(config.calibration.file)
    return kept_calibration(config, rig_id)


def kept_calibration(config: BoothConfig, rig_id: str) -> Path:
    return config.data_dir / "calibrations" / f"{rig_id}.json"


def existing_calibration(config: BoothConfig, rig_id: str) -> Path | None:
    """The first calibration file there is: calibration.file, then the one kept under data_dir for this rig."""
    for path in (calibration_path(config, rig_id), kept_calibration(config, rig_id)):
        if path.exists():
            return path
    return None
