"""Output helpers shared by the commands: results on stdout, messages and progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")


def message(text: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays clean)."""
    stderr.print(text)


@contextmanager
def progress(title: str) -> Iterator[Any]:
    """A spinner on stderr while long work runs; nothing at all when stderr is not a terminal.

    Yields a callable that updates the status line (library code reports through it).
    """
    if not stderr.is_terminal:
        yield lambda text: None
        return
    with stderr.status(title) as status:
        yield lambda text: status.update(f"{title}: {text}")
