"""Consent: the participant's choices per purpose, kept as tamper-evident records, and their withdrawal."""
