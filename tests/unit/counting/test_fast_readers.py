"""The readers' fast paths read exactly what the line-by-line readers read.

Each reader first tries to take a whole file in one sweep (checks over the whole block,
identical ballots merged as they are read) and hands the file to the line-by-line reader,
which names the line and the fault, whenever anything is out of the ordinary. These tests
read valid and mutated files both ways and demand the same result or the same error.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.counting.test_reader_fuzz import FUZZ, blt_texts, mutated, one_token_swapped

from rada.counting.errors import BallotFileError
from rada.counting.formats import blt


def _outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except BallotFileError as exc:
        return ("error", str(exc), exc.line)


def _both_ways(monkeypatch: pytest.MonkeyPatch, parse: Callable[[], object], slow: str) -> None:
    fast = _outcome(parse)
    with monkeypatch.context() as m:
        m.setattr(slow, lambda *args, **kwargs: None)
        reference = _outcome(parse)
    assert fast == reference


@FUZZ
@given(st.one_of(blt_texts(), mutated(blt_texts()), one_token_swapped(blt_texts())))
def test_blt_fast_path_reads_as_the_line_by_line_reader(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for invalid in ("truncate", "reject"):
            _both_ways(
                monkeypatch,
                lambda: blt.parse_blt(text, file="w.blt", invalid=invalid),  # noqa: B023
                "rada.counting.formats.blt._plain_ballots",
            )


@pytest.mark.parametrize(
    "ballots",
    [
        "3 1 2 0\n2 2 1 0\n3 1 2 0\n",  # plain: merged while read
        "3 1 1 0\n",  # a candidate twice
        "3 1 4 0\n",  # an unknown candidate
        "3 01 2 0\n",  # a leading zero
        "3 1  2 0\n",  # two spaces
        "3 0\n",  # no preference
        "1e3 1 0\n",  # not a whole number
    ],
)
def test_blt_fast_path_agrees_on_plain_and_odd_lines(
    ballots: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f'3 1\n{ballots}0\n"A"\n"B"\n"C"\n"T"\n'
    _both_ways(monkeypatch, lambda: blt.parse_blt(text), "rada.counting.formats.blt._plain_ballots")


def test_blt_fast_path_is_taken_for_a_plain_file() -> None:
    lines = [(1, "3 1"), (2, "3 1 2 0"), (3, "2 2 0"), (4, "3 1 2 0"), (5, "0")]
    assert blt._plain_ballots(lines, 1, 3) == ({(0, 1): 6, (1,): 2}, 5)
