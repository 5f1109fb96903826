"""The booth's application core: configuration, stitching, and the commands that drive a rig."""

__version__ = "0.1.0"
