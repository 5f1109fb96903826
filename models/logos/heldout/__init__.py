"""A held-out logo evaluation set made by code that shares nothing with the training-data generator.

Its brands, fonts, photographs, warps, light, blur, noise and occluders are its own, so a figure measured on it
says how the tagger does on data nobody tuned it to. `python -m models.logos.heldout OUT` writes it; see
README.md in this folder for what it holds and where its sources come from."""

DEFAULT_SEED = 90417
"""The evaluation seed: used by this set only, for nothing else (no training, calibration or tuning)."""
SCENE_SIZE = (1280, 853)
"""Width and height of every image."""
MIN_SCORED_WIDTH = 40
"""The tagger's targets are stated for logos at least this many pixels wide."""
