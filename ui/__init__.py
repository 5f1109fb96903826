"""The PySide6 touch kiosk: views and view-models over booth.session."""
