"""The trigger box: its protocol, declared once, and the host driver."""
