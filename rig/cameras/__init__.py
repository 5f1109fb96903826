"""Tethered cameras driven through libgphoto2, one worker process per camera."""
