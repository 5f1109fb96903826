"""The participant's way through the booth as a state machine: pure, clocked from outside, driven by the kiosk."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from booth.config import KioskSection
from booth.consent.decisions import Choice


class Screen(enum.StrEnum):
    ATTRACT = "attract"
    POSE = "pose"
    COUNTDOWN = "countdown"
    CAPTURE = "capture"
    PROCESSING = "processing"
    REVIEW = "review"
    CONSENT = "consent"
    SHARE = "share"
    THANKS = "thanks"
    ERROR = "error"


# what participants do (taps) and what the booth reports back


@dataclass(frozen=True)
class Touch:
    """A tap anywhere that has no other meaning: starts from the attract loop, dismisses a message."""


@dataclass(frozen=True)
class Ready:
    """The participant stands on the mark and taps to start the countdown."""


@dataclass(frozen=True)
class Tick:
    """Time passes: countdowns and time-outs are judged against the `now` given to handle()."""


@dataclass(frozen=True)
class Captured:
    """Every frame the shot will get has arrived (or the rest were given up); stitching goes on."""

    shot: int
    """The number Fire gave the shot: a late report from a shot given up is told apart from the current one's."""


@dataclass(frozen=True)
class ClipReady:
    shot: int
    clip_id: str


@dataclass(frozen=True)
class StageFailed:
    shot: int
    stage: str
    """capture, stitch or tagging: named in the log, never on the participant's screen."""
    detail: str


@dataclass(frozen=True)
class Retake:
    pass


@dataclass(frozen=True)
class Keep:
    pass


@dataclass(frozen=True)
class Decided:
    """The participant decided on the kiosk's own consent screen, in a language: the purposes they switched on
    (none: refused), their age band and, below the age limit, the guardian's confirmation."""

    choice: Choice
    language: str

    @property
    def granted(self) -> bool:
        return any(self.choice.purposes.values())


@dataclass(frozen=True)
class ConsentInvalid:
    """The decision just made could not be kept (a guardian missing below the age limit, the clip gone): the
    participant is taken back to the consent screen with the reason."""

    detail: str


@dataclass(frozen=True)
class OnPhone:
    """The participant chose to decide on their phone: the QR code of the clip's page."""


Event = Touch | Ready | Tick | Captured | ClipReady | StageFailed | Retake | Keep | Decided | ConsentInvalid | OnPhone


# what the kiosk must do in answer


@dataclass(frozen=True)
class Fire:
    """Arm and fire the rig now, and start collecting and stitching; report back with this shot number."""

    shot: int
    """Counts every shot of this kiosk, from 1."""
    attempt: int
    """Counts this participant's shots, from 1."""


@dataclass(frozen=True)
class Abandon:
    """This clip will get no decision here: stop what is still running for it. No consent record means the
    retention rules delete it; nothing is left half-done."""

    clip_id: str | None
    reason: str


@dataclass(frozen=True)
class RecordConsent:
    """Keep the decision (booth.consent.decisions.give), refusals too: they prove nothing may leave."""

    clip_id: str
    choice: Choice
    language: str


@dataclass(frozen=True)
class ShowPage:
    """Show the QR code of the clip's phone page."""

    clip_id: str


@dataclass(frozen=True)
class Report:
    """For the staff log: what went wrong, with its detail; the participant sees a friendly screen."""

    stage: str
    detail: str


Action = Fire | Abandon | RecordConsent | ShowPage | Report


@dataclass
class Session:
    """One kiosk's session. handle(event, now) moves it on and returns what the kiosk must do; events that mean
    nothing on the current screen (a double tap, a late report from a shot already given up) are ignored."""

    rules: KioskSection = field(default_factory=KioskSection)
    screen: Screen = Screen.ATTRACT
    entered_at: float = 0.0
    attempt: int = 0
    """Shots taken for the current participant."""
    clip_id: str | None = None
    """The clip in review, consent or share."""
    shots: int = 0
    """Shots fired by this kiosk: the number of the one in flight."""
    problem: str = ""
    """Why the last decision could not be kept, shown on the consent screen until the next decision."""

    def handle(self, event: Event, now: float) -> list[Action]:
        if isinstance(event, Tick):
            return self._tick(now)
        s = self.screen
        if isinstance(event, Captured | ClipReady | StageFailed):
            if event.shot != self.shots or s not in (Screen.CAPTURE, Screen.PROCESSING):
                # a shot already given up: its clip gets no decision
                return (
                    [Abandon(event.clip_id, "arrived after the shot was given up")]
                    if isinstance(event, ClipReady)
                    else []
                )
            if isinstance(event, StageFailed):
                return self._fail(event.stage, event.detail, now)
        if s is Screen.ATTRACT and isinstance(event, Touch):
            self.attempt, self.clip_id, self.problem = 0, None, ""
            self._go(Screen.POSE, now)
        elif s is Screen.POSE and isinstance(event, Ready):
            self._go(Screen.COUNTDOWN, now)
        elif s is Screen.CAPTURE and isinstance(event, Captured):
            self._go(Screen.PROCESSING, now)
        elif s in (Screen.CAPTURE, Screen.PROCESSING) and isinstance(event, ClipReady):
            self.clip_id = event.clip_id
            self._go(Screen.REVIEW, now)
        elif s is Screen.REVIEW and isinstance(event, Retake) and self.retakes_left > 0:
            abandoned = Abandon(self.clip_id, "retake")
            self.clip_id = None
            self._go(Screen.COUNTDOWN, now)
            return [abandoned]
        elif s is Screen.REVIEW and isinstance(event, Keep):
            self._go(Screen.CONSENT, now)
        elif s is Screen.CONSENT and isinstance(event, Decided) and self.clip_id is not None:
            clip = self.clip_id
            self.problem = ""
            self._go(Screen.SHARE if event.granted else Screen.THANKS, now)
            return [RecordConsent(clip, event.choice, event.language), *([ShowPage(clip)] if event.granted else [])]
        elif s in (Screen.SHARE, Screen.THANKS) and isinstance(event, ConsentInvalid) and self.clip_id is not None:
            self.problem = event.detail
            self._go(Screen.CONSENT, now)
        elif s is Screen.CONSENT and isinstance(event, OnPhone) and self.clip_id is not None:
            self._go(Screen.SHARE, now)
            return [ShowPage(self.clip_id)]
        elif s in (Screen.SHARE, Screen.THANKS, Screen.ERROR) and isinstance(event, Touch):
            self._go(Screen.THANKS if s is Screen.SHARE else Screen.ATTRACT, now)
        elif s in (Screen.POSE, Screen.REVIEW, Screen.CONSENT) and isinstance(event, Touch):
            self.entered_at = now  # someone is still there
        return []

    @property
    def retakes_left(self) -> int:
        return max(0, self.rules.retakes - (self.attempt - 1))

    def countdown_left(self, now: float) -> int:
        """Whole seconds still to count on the countdown screen (3, 2, 1), 0 when firing."""
        if self.screen is not Screen.COUNTDOWN:
            return 0
        return max(0, math.ceil(self.rules.countdown_s - (now - self.entered_at)))

    def time_left(self, now: float) -> float | None:
        """Seconds before this screen gives up by itself, None where it waits on the booth (countdown)."""
        limit = self._limit()
        return None if limit is None else max(0.0, limit - (now - self.entered_at))

    def _limit(self) -> float | None:
        r = self.rules
        return {
            Screen.POSE: r.idle_s,
            Screen.REVIEW: r.idle_s,
            Screen.CONSENT: r.consent_s,
            Screen.SHARE: r.share_s,
            Screen.THANKS: r.message_s,
            Screen.ERROR: r.message_s,
            Screen.CAPTURE: r.stage_s,
            Screen.PROCESSING: r.stage_s,
        }.get(self.screen)

    def _tick(self, now: float) -> list[Action]:
        s = self.screen
        if s is Screen.COUNTDOWN and now - self.entered_at >= self.rules.countdown_s:
            self.attempt += 1
            self.shots += 1
            self._go(Screen.CAPTURE, now)
            return [Fire(self.shots, self.attempt)]
        limit = self._limit()
        if limit is None or now - self.entered_at < limit:
            return []
        if s in (Screen.CAPTURE, Screen.PROCESSING):
            return self._fail("capture" if s is Screen.CAPTURE else "stitch", f"no result after {limit:g} s", now)
        actions: list[Action] = []
        if s in (Screen.REVIEW, Screen.CONSENT):
            actions.append(Abandon(self.clip_id, f"walked away on the {s} screen"))
        self.clip_id = None
        self._go(Screen.ATTRACT, now)
        return actions

    def _fail(self, stage: str, detail: str, now: float) -> list[Action]:
        self._go(Screen.ERROR, now)
        abandoned = Abandon(self.clip_id, f"{stage} failed")
        self.clip_id = None
        return [Report(stage, detail), abandoned]

    def _go(self, screen: Screen, now: float) -> None:
        self.screen = screen
        self.entered_at = now
