"""BLT files: read, write, and errors that name the line and the fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from rada.counting.errors import BallotFileError
from rada.counting.formats.blt import format_blt, parse_blt, read_blt, write_blt

SIMPLE = '3 2\n4 1 2 0\n2 2 0\n1 3 1 0\n0\n"Ann"\n"Bob"\n"Cat"\n"Ward 1"\n'


def test_reads_candidates_seats_weights_and_title() -> None:
    e = parse_blt(SIMPLE)
    assert e.profile.candidates == ("Ann", "Bob", "Cat")
    assert e.seats == 2
    assert e.profile.rankings == ((0, 1), (1,), (2, 0))
    assert e.profile.weights == (4, 2, 1)
    assert e.title == "Ward 1"


def test_identical_rankings_are_aggregated() -> None:
    e = parse_blt("2 1\n1 1 2 0\n3 1 2 0\n0\nA\nB\nT")
    assert e.profile.rankings == ((0, 1),)
    assert e.profile.weights == (4,)


def test_written_file_reads_back_identically(tmp_path: Path) -> None:
    e = parse_blt("3 1\n-2\n4 1 3 0\n0\nA\nB\nC\nT")
    target = tmp_path / "out.blt"
    write_blt(e, target)
    again = read_blt(target)
    assert again == e
    assert format_blt(again) == format_blt(e)


def test_withdrawn_candidates_are_read() -> None:
    assert parse_blt("3 1\n-2\n4 1 3 0\n0\nA\nB\nC\nT").withdrawn == (1,)


def test_duplicate_preference_counts_up_to_the_fault() -> None:
    e = parse_blt("3 1\n2 1 2 1 3 0\n0\nA\nB\nC\nT")
    assert e.profile.rankings == ((0, 1),)
    (problem,) = e.profile.problems
    assert "ranked twice" in problem.reason
    assert problem.line == 2
    assert problem.weight == 2


def test_ballot_with_no_valid_first_preference_is_void() -> None:
    e = parse_blt("2 1\n2 5 1 0\n1 1 0\n0\nA\nB\nT")
    assert e.profile.total == 1
    assert e.profile.problems[0].action == "void"


def test_reject_policy_raises_on_an_invalid_ballot_naming_the_line() -> None:
    with pytest.raises(BallotFileError, match=r"x\.blt, line 3: invalid ballot"):
        parse_blt("2 1\n1 1 0\n2 1 1 0\n0\nA\nB\nT", file="x.blt", invalid="reject")


@pytest.mark.parametrize(
    ("text", "line", "fault"),
    [
        ("", None, "empty"),
        ("two 1\n", 1, "whole numbers"),
        ("3\n", 1, "first line"),
        ("2 1\n1 1 2\n0\nA\nB\nT", 2, "'<weight> <preferences...> 0'"),
        ("2 1\n0 1 0\n0\nA\nB\nT", 2, "not positive"),
        ("2 1\n1 1 0\n", None, "never end"),
        ("2 1\n1 1 0\n0\nA\n", 4, "expected 2 candidate names"),
        ("2 1\n1 x 0\n0\nA\nB\n", 2, "'x'"),
    ],
)
def test_malformed_file_error_names_line_and_fault(text: str, line: int | None, fault: str) -> None:
    with pytest.raises(BallotFileError) as info:
        parse_blt(text, file="bad.blt")
    assert info.value.line == line
    assert fault in str(info.value)
    assert str(info.value).startswith("bad.blt")
