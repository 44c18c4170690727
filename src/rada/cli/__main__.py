"""``python -m rada.cli`` runs the ``rada`` command."""

from rada.cli.main import run

run()
