"""Rada's migrations, oldest first."""
