"""Output helpers shared by the commands: results on stdout, messages and progress on stderr."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Write one JSON document to stdout. JSON has no infinity and no NaN: a number that is
    not finite (a certificate that found no plan has a lower bound of -inf) is written as
    ``null``, where it failed the command until 2026-12-06."""
    sys.stdout.write(json.dumps(_finite(data), ensure_ascii=False, allow_nan=False) + "\n")


def _finite(data: Any) -> Any:
    """``data`` with every float that is not finite replaced by None, in dicts, lists and
    tuples at any depth.

    >>> _finite({"gap": float("inf"), "bounds": [1.0, float("-inf")], "n": 2})
    {'gap': None, 'bounds': [1.0, None], 'n': 2}
    """
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def message(text: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays clean), printed as
    written: messages carry paths and names, which are not Rich markup, and are not broken
    across lines (a path copied from the terminal is the path)."""
    stderr.print(text, markup=False, soft_wrap=True)


@contextmanager
def progress(title: str) -> Iterator[Any]:
    """A spinner on stderr while long work runs; nothing at all when stderr is not a terminal.

    Yields a callable that updates the status line (library code reports through it).
    """
    if not stderr.is_terminal:
        yield lambda text: None
        return
    from rich.text import Text

    with stderr.status(title) as status:
        # Text, not markup: the stages name paths ("reading out[draft].csv").
        yield lambda text: status.update(Text(f"{title}: {text}"))
