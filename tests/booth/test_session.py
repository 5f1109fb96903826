"""The participant's way through the booth: every screen, retakes, refusals, failures and walking away."""

from __future__ import annotations

from booth.config import KioskSection
from booth.consent.decisions import Choice
from booth.session import (
    Abandon,
    Captured,
    ClipReady,
    Decided,
    Fire,
    Keep,
    OnPhone,
    Ready,
    RecordConsent,
    Report,
    Retake,
    Screen,
    Session,
    ShowPage,
    StageFailed,
    Tick,
    Touch,
)


def on(session: Session) -> Screen:
    """The screen shown now (read through a call, so that each check reads it afresh)."""
    return session.screen


RULES = KioskSection(retakes=1, countdown_s=3, idle_s=45, consent_s=120, share_s=60, message_s=8, stage_s=90)


def shot(session: Session, now: float, clip_id: str) -> float:
    """From the countdown to the review screen: returns the time it ends at."""
    assert on(session) is Screen.COUNTDOWN
    assert session.countdown_left(now) == 3
    assert session.handle(Tick(), now + 1.5) == [] and session.countdown_left(now + 1.5) == 2
    (fire,) = session.handle(Tick(), now + 3.0)
    assert isinstance(fire, Fire) and on(session) is Screen.CAPTURE
    session.handle(Captured(fire.shot), now + 4.0)
    assert on(session) is Screen.PROCESSING
    session.handle(ClipReady(fire.shot, clip_id), now + 9.0)
    assert on(session) is Screen.REVIEW and session.clip_id == clip_id
    return now + 9.0


def test_a_participant_goes_through_and_consents() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    assert on(s) is Screen.POSE
    s.handle(Ready(), 5.0)
    t = shot(s, 5.0, "clip-a")
    assert s.handle(Keep(), t + 2) == [] and on(s) is Screen.CONSENT
    choice = Choice({"send_me": False, "brand_social": True}, age="adult")
    actions = s.handle(Decided(choice, "fr"), t + 20)
    assert actions == [RecordConsent("clip-a", choice, "fr"), ShowPage("clip-a")]
    assert on(s) is Screen.SHARE
    s.handle(Touch(), t + 30)
    assert on(s) is Screen.THANKS
    s.handle(Tick(), t + 30 + RULES.message_s)
    assert on(s) is Screen.ATTRACT


def test_a_refusal_is_recorded_and_shows_no_code() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    t = shot(s, 1.0, "clip-b")
    s.handle(Keep(), t)
    refused = Choice({"brand_social": False}, age="adult")
    assert s.handle(Decided(refused, "en"), t + 5) == [RecordConsent("clip-b", refused, "en")]
    assert on(s) is Screen.THANKS


def test_deciding_on_the_phone_shows_the_code() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    t = shot(s, 1.0, "clip-c")
    s.handle(Keep(), t)
    assert s.handle(OnPhone(), t + 3) == [ShowPage("clip-c")]
    assert on(s) is Screen.SHARE
    # the participant walks off with the code: the screen goes back on its own, the clip waits for the phone
    assert s.handle(Tick(), t + 3 + RULES.share_s) == [] and on(s) is Screen.ATTRACT


def test_retakes_are_limited_and_each_thrown_away_clip_is_abandoned() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    t = shot(s, 1.0, "clip-1")
    assert s.retakes_left == 1
    assert s.handle(Retake(), t + 1) == [Abandon("clip-1", "retake")]
    t = shot(s, t + 1, "clip-2")
    assert s.attempt == 2 and s.retakes_left == 0
    assert s.handle(Retake(), t + 1) == [] and on(s) is Screen.REVIEW  # no retake left
    s.handle(Keep(), t + 2)
    assert on(s) is Screen.CONSENT and s.clip_id == "clip-2"


def test_every_waiting_screen_times_out_back_to_attract() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Tick(), 44.0)
    assert on(s) is Screen.POSE
    s.handle(Touch(), 44.0)  # still there: the clock starts again
    s.handle(Tick(), 88.0)
    assert on(s) is Screen.POSE
    s.handle(Tick(), 89.0)
    assert on(s) is Screen.ATTRACT

    s.handle(Touch(), 100.0)
    s.handle(Ready(), 101.0)
    t = shot(s, 101.0, "clip-r")
    assert s.time_left(t + 5) == RULES.idle_s - 5
    assert s.handle(Tick(), t + RULES.idle_s) == [Abandon("clip-r", "walked away on the review screen")]
    assert on(s) is Screen.ATTRACT and s.clip_id is None

    s.handle(Touch(), 300.0)
    s.handle(Ready(), 301.0)
    t = shot(s, 301.0, "clip-k")
    s.handle(Keep(), t)
    assert s.handle(Tick(), t + RULES.consent_s) == [Abandon("clip-k", "walked away on the consent screen")]
    assert on(s) is Screen.ATTRACT


def test_a_failed_stage_ends_on_the_error_screen_and_goes_back_alone() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    (fire,) = s.handle(Tick(), 4.0)
    assert isinstance(fire, Fire)
    actions = s.handle(StageFailed(fire.shot, "stitch", "only 9 of 24 cameras gave a usable frame"), 9.0)
    assert actions == [Report("stitch", "only 9 of 24 cameras gave a usable frame"), Abandon(None, "stitch failed")]
    assert on(s) is Screen.ERROR
    # the abandoned shot's clip turning up late is given no decision, and the screen stays
    assert s.handle(ClipReady(fire.shot, "clip-late"), 10.0) == [
        Abandon("clip-late", "arrived after the shot was given up")
    ]
    assert on(s) is Screen.ERROR
    s.handle(Tick(), 9.0 + RULES.message_s)
    assert on(s) is Screen.ATTRACT


def test_a_stage_that_never_answers_is_given_up() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    (fire,) = s.handle(Tick(), 4.0)
    assert isinstance(fire, Fire)
    s.handle(Captured(fire.shot), 5.0)
    actions = s.handle(Tick(), 5.0 + RULES.stage_s)
    assert actions == [Report("stitch", "no result after 90 s"), Abandon(None, "stitch failed")]
    assert on(s) is Screen.ERROR


def test_a_report_from_an_earlier_shot_does_not_move_the_current_one() -> None:
    s = Session(RULES)
    s.handle(Touch(), 0.0)
    s.handle(Ready(), 1.0)
    (first,) = s.handle(Tick(), 4.0)
    assert isinstance(first, Fire)
    s.handle(StageFailed(first.shot, "capture", "trigger box did not answer"), 5.0)
    s.handle(Touch(), 6.0)  # dismiss the error
    s.handle(Touch(), 7.0)  # a new participant
    s.handle(Ready(), 8.0)
    (second,) = s.handle(Tick(), 11.0)
    assert isinstance(second, Fire) and second.shot == first.shot + 1 and second.attempt == 1
    s.handle(Captured(first.shot), 12.0)
    assert on(s) is Screen.CAPTURE
    s.handle(ClipReady(second.shot, "clip-now"), 15.0)
    assert on(s) is Screen.REVIEW and s.clip_id == "clip-now"


def test_taps_that_mean_nothing_here_are_ignored() -> None:
    s = Session(RULES)
    for event in (Ready(), Keep(), Retake(), OnPhone(), Decided(Choice({"x": True}, age="adult"), "en")):
        assert s.handle(event, 1.0) == []
        assert on(s) is Screen.ATTRACT
    s.handle(Touch(), 2.0)
    s.handle(Ready(), 3.0)
    assert s.handle(Touch(), 3.5) == [] and on(s) is Screen.COUNTDOWN
