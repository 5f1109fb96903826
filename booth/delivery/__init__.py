"""Delivery to agencies: the outbox of consented clips and erasure notices."""
