"""A booth's consent database with clips registered in it, for the consent tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from booth.atomic import file_sha256
from booth.config import BoothConfig
from booth.consent.decisions import Choice, give
from booth.consent.records import ConsentRecord, Method
from booth.consent.registry import open_store, texts_of
from booth.consent.store import ConsentStore
from booth.consent.texts import ConsentTexts
from booth.delivery.outbox import Outbox


@dataclass
class Booth:
    config: BoothConfig
    store: ConsentStore
    outbox: Outbox
    texts: ConsentTexts

    def clip(self, name: str, data: bytes = b"\x00\x00\x00\x18ftypmp42 a clip") -> str:
        """A clip folder with its frames, registered as `booth shoot` does; returns its id."""
        clip_id = f"clip-{name}"
        folder = self.config.data_dir / "clips" / clip_id
        folder.mkdir(parents=True)
        (folder / "clip.mp4").write_bytes(data)
        frames = self.config.data_dir / "shots" / f"shot-{name}"
        frames.mkdir(parents=True)
        (frames / "cam_00.jpg").write_bytes(b"\xff\xd8\xff\xd9")
        self.store.register_clip(clip_id, file_sha256(folder / "clip.mp4"), folder, frames, 7)
        return clip_id

    def consent(self, clip_id: str, *granted: str, age: str = "adult", **more: str | bool) -> tuple[ConsentRecord, str]:
        choice = Choice({p: True for p in granted}, age, **more)  # type: ignore[arg-type]
        return give(self.store, self.texts.get("en"), clip_id, choice, method=Method.KIOSK, booth_id="booth-7")


def make_booth(root: Path) -> Booth:
    config = BoothConfig.model_validate({"booth": {"id": "booth-7", "data_dir": str(root / "data")}})
    store = open_store(config)
    return Booth(config, store, Outbox(store), texts_of(config))
