"""Collectors SIGKILLed at random points while they assemble and erase clips, on real files: another collector of
the group, still running, finishes each clip, and afterwards no half-assembled copy, no byte and no consent of an
erased clip is left on disk, and every clip that was not erased is stored exactly once."""

from __future__ import annotations

import functools
import os
import random
import signal
from collections.abc import Callable
from pathlib import Path

from booth.delivery.protocol import ErasureNotice, check_topic, chunk_topic, erase_topic, manifest_topic
from booth.delivery.reassembly import Reassembly
from tests.booth.delivery.test_collector import BOOTH, EVENT, RECIPIENT, Clip, make_clip

COUNTED = ("rename", "fsync", "pwrite", "write", "unlink", "rmdir")
"""The file-system calls a kill may come before: every step of assembly and erasure is one of them."""
KILLS = 40


def collector(out: Path) -> Reassembly:
    return Reassembly(out, recipient=RECIPIENT, max_file_bytes=1 << 20, max_clips_in_flight=1000)


def receive(r: Reassembly, clip: Clip) -> None:
    """What a booth sends for a clip, in one pass: its manifest, every chunk, a check."""
    r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), clip.manifest().to_bytes())
    for f, chunks in clip.all_chunks().items():
        for n in chunks:
            r.handle(chunk_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id, int(f), n), clip.chunk(int(f), n))
    r.handle(check_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), b"")


def erase(r: Reassembly, clip: Clip) -> str:
    notice = ErasureNotice(clip.clip_id, RECIPIENT, "consent withdrawn", "2026-11-21T14:30:00.000Z")
    answer = r.handle(erase_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), notice.to_bytes())
    assert answer is not None
    return answer.reply.kind


def deliver(r: Reassembly, clip: Clip) -> None:
    """What the booth's uploader does until the clip is stored: manifest, the chunks the collector lacks, check."""
    answer = r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), clip.manifest().to_bytes())
    for _ in range(4):
        assert answer is not None
        if answer.reply.kind == "stored":
            return
        assert answer.reply.kind == "missing", answer.reply
        for f, chunks in answer.reply.missing.items():
            for n in chunks:
                r.handle(chunk_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id, int(f), n), clip.chunk(int(f), n))
        answer = r.handle(check_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), b"")
    raise AssertionError(f"{clip.clip_id} was not stored")


def killed_at(out: Path, step: int, work: Callable[[Reassembly], object], tally: Path | None = None) -> bool:
    """Run `work` in a forked collector that SIGKILLs itself just before its `step`-th counted file-system call;
    with `tally`, count the calls of a whole run instead. True when the collector was killed."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            r = collector(out)
            calls = 0
            for name in COUNTED:
                real = getattr(os, name)

                def counted(*args: object, _real: Callable[..., object] = real, **kw: object) -> object:
                    nonlocal calls
                    calls += 1
                    if calls == step:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return _real(*args, **kw)

                setattr(os, name, counted)
            work(r)
            if tally is not None:
                tally.write_text(str(calls))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def every_file(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file()]


def test_forty_collectors_killed_at_random_points_leave_no_stray_copy_and_no_erased_byte(tmp_path: Path) -> None:
    rng = random.Random(18)
    out = tmp_path / "received"
    survivor = collector(out)  # a collector of the group that stays up throughout

    # how many counted calls receiving a whole clip and erasing one take, on a scratch folder
    scratch, tally = tmp_path / "scratch", tmp_path / "tally"
    sample = make_clip("clip-20261121-150000-sample", seed=99)
    assert not killed_at(scratch, 0, lambda r: receive(r, sample), tally)
    receive_calls = int(tally.read_text())
    assert not killed_at(scratch, 0, lambda r: erase(r, sample), tally)
    erase_calls = int(tally.read_text())
    assert receive_calls > 20 and erase_calls > 5

    kills = 0
    clips: list[Clip] = []
    erased: list[Clip] = []
    while kills < KILLS:  # a kill past a run's last counted call does not happen: go on until there were 40
        clip = make_clip(f"clip-20261121-15{len(clips):04d}-kkkkkk", seed=100 + len(clips))
        clip.files["clip.mp4"] += clip.clip_id.encode()  # bytes found nowhere else, to look for on disk
        clips.append(clip)
        kills += killed_at(out, rng.randint(1, receive_calls), functools.partial(receive, clip=clip))
        deliver(survivor, clip)
        if len(clips) % 2 == 0 and kills < KILLS:  # the participant withdraws; a collector dies while erasing
            kills += killed_at(out, rng.randint(1, erase_calls), functools.partial(erase, clip=clip))
            assert erase(survivor, clip) == "erased"  # the booth sends the notice again until it is answered
            erased.append(clip)
    assert len(clips) < 2 * KILLS and len(erased) >= 10

    leftovers = [p for p in out.rglob("*.tmp")] + list((out / ".incoming" / ".trash").iterdir())
    assert leftovers == [], "a killed collector's copy was left behind"
    files = every_file(out)
    for clip in erased:
        marker, record = clip.files["clip.mp4"][-40:], f"rec-{clip.clip_id}".encode()
        holding = [p for p in files if marker in p.read_bytes() or record in p.read_bytes()]
        assert holding == [], f"{clip.clip_id} was erased, yet {holding} hold its bytes or its consent"
    kept = [c for c in clips if c not in erased]
    for clip in kept:
        folder = out / EVENT / BOOTH / clip.clip_id
        assert (folder / "clip.mp4").read_bytes() == clip.files["clip.mp4"]
        holding = [p for p in files if clip.files["clip.mp4"][-40:] in p.read_bytes()]
        assert holding == [folder / "clip.mp4"], f"{clip.clip_id} is stored more than once: {holding}"
        row = survivor.index.get(EVENT, BOOTH, clip.clip_id)
        assert row is not None and row.stored
    assert sorted(p.name for p in (out / EVENT / BOOTH).iterdir()) == sorted(c.clip_id for c in kept)
    survivor.close()
