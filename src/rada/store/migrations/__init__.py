"""Rada's Alembic migration environment (run by :mod:`rada.store.schema`)."""
