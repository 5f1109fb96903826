"""gphoto2's own trigger as the rig's Trigger: the fallback when no trigger box is connected; sync is loose."""

from __future__ import annotations

import logging
import time

from rig.base import FireReport, FireSchedule, RigError, TriggerState, TriggerStatus
from rig.cameras.array import GPhotoArray

log = logging.getLogger(__name__)

LOOSE_SYNC = (
    "no trigger box: the cameras are fired over USB, one command each, so they fire tens of milliseconds apart "
    "and a moving participant will jump between views; connect the trigger box and set rig.trigger.port"
)


class UsbTrigger:
    """Fires every camera with libgphoto2's trigger_capture, all at once from one thread each. The report's
    skew is the spread of the times the cameras took the command, a floor for the real spread of shutters."""

    def __init__(self, array: GPhotoArray) -> None:
        self._array = array
        self._state = TriggerState.IDLE
        self._warned = False
        self.last_error = ""

    def arm(self) -> None:
        if not self._warned:
            log.warning(LOOSE_SYNC)
            self._warned = True
        self._state = TriggerState.ARMED

    def fire(self, schedule: FireSchedule) -> FireReport:
        if self._state is not TriggerState.ARMED:
            raise RigError("trigger not armed: arm it before firing")
        if schedule.at is not None:
            time.sleep(max(0.0, schedule.at - time.time()))
        took = self._array.trigger_all()
        if not took:
            self.last_error = "no camera took the trigger command"
            raise RigError("no camera took the trigger command; check that the cameras are on and connected")
        first, last = min(took.values()), max(took.values())
        times = [took.get(k, first) for k in range(self._array.size)]
        return FireReport(fired_at=first, channel_times=times, skew_us=(last - first) * 1e6)

    def release(self) -> None:
        self._state = TriggerState.IDLE

    def status(self) -> TriggerStatus:
        return TriggerStatus(
            connected=True, state=self._state, firmware="gphoto2 trigger_capture", last_error=self.last_error
        )
