"""The readers' fast paths read exactly what the line-by-line readers read.

Each reader first tries to take a whole file in one sweep (checks over the whole block,
identical ballots merged as they are read) and hands the file to the line-by-line reader,
which names the line and the fault, whenever anything is out of the ordinary. These tests
read valid and mutated files both ways and demand the same result or the same error.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.counting.test_reader_fuzz import (
    FUZZ,
    blt_texts,
    mutated,
    one_token_swapped,
    pb_texts,
)

from rada.counting.budget import Ballots
from rada.counting.errors import BallotFileError
from rada.counting.formats import blt, pabulib


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
                "rada.counting.formats.blt._parse_plain",
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
    _both_ways(monkeypatch, lambda: blt.parse_blt(text), "rada.counting.formats.blt._parse_plain")


def test_blt_fast_path_is_taken_for_a_plain_file() -> None:
    rows = ["3 1", "3 1 2 0", "2 2 0", "3 1 2 0", "0"]
    assert blt._plain_ballots(rows, 1, 3) == ({(0, 1): 6, (1,): 2}, 5)
    election = blt._parse_plain('3 1\n3 1 2 0\n\n2 2 0\n0\nA\n"B"\nC\n')
    assert election is not None
    assert (election.profile.weights, election.profile.candidates) == ((3, 2), ("A", "B", "C"))


# --- pabulib -------------------------------------------------------------------------------


def _pb_both_ways(text: str) -> None:
    """parse_pb_profile (fast path) reads as parse_pb(...).profile(): same profile or error,
    with the line endings as given and as CRLF."""
    endings = (text, text.replace("\n", "\r\n"))
    for variant, invalid in product(endings, ("truncate", "reject")):
        fast = _outcome(lambda: pabulib.parse_pb_profile(variant, file="f.pb", invalid=invalid))  # noqa: B023
        slow = _outcome(lambda: pabulib.parse_pb(variant, file="f.pb", invalid=invalid).profile())  # noqa: B023
        assert fast == slow


@FUZZ
@given(st.one_of(pb_texts(), mutated(pb_texts()), one_token_swapped(pb_texts())))
def test_pabulib_fast_path_reads_as_the_line_by_line_reader(text: str) -> None:
    _pb_both_ways(text)


HEAD = "META\nkey;value\nbudget;10\nvote_type;{kind}\nPROJECTS\nproject_id;cost\na;6\nb;5\nc;1\n"


@pytest.mark.parametrize(
    ("kind", "votes"),
    [
        ("approval", "voter_id;vote\n1;a,b\n2;b\n3;a,b\n"),  # plain: merged while read
        ("approval", "voter_id;vote;age\n1; a , b ;30\n2;a,b;40\n"),  # spaces merge with none
        ("approval", "voter_id;vote\n1;a,b\n\n2;b\n\n"),  # blank lines
        ("approval", 'voter_id;vote\n1;"a,b"\n2;b\n'),  # quoted
        ("approval", "voter_id;vote\n1;a,a\n2;b\n"),  # a project twice
        ("approval", "voter_id;vote\n1;a,z\n"),  # an unknown project
        ("approval", "voter_id;vote\n1;a\n1;b\n"),  # a voter twice
        ("approval", "voter_id;vote\n 1;a\n1 ;b\n"),  # a voter twice, spaced
        ("approval", "voter_id;vote\n1;a;x\n"),  # too wide
        ("approval", "voter_id;vote\n1;\n2;c\n"),  # an empty vote
        ("ordinal", "voter_id;vote\n1;c,a,c,b\n2;a,c\n"),  # ordinal, cut at the repeat
        ("cumulative", "voter_id;vote;points\n1;a,b;3,2\n2;a,b;3, 2\n3;c;5\n"),
        ("cumulative", "voter_id;vote;points\n1;a,b;3\n"),  # points do not match
        ("cumulative", "voter_id;vote;points\n1;a,b;3,x\n"),  # points not whole
        ("approval", "voter_id;vote;vote\n1;a;b\n"),  # a column twice
        ("approval", "voter_id;vote\n1;a\u2028b\n"),  # a line break str.splitlines() knows
        ("approval", "voter_id;vote\n1;a\x0c2;b\n"),  # and an ASCII one
        ("approval", "voter_id;vote\n1;a\r2;b\n"),  # a lone carriage return
    ],
)
def test_pabulib_fast_path_agrees_on_plain_and_odd_files(kind: str, votes: str) -> None:
    text = HEAD.format(kind=kind) + "VOTES\n" + votes
    _pb_both_ways(text)


NUMERIC = (
    "META\nkey;value\nbudget;10\nvote_type;{kind}\nPROJECTS\nproject_id;cost\n0;6\n7;5\n10;1\n"
)


@pytest.mark.parametrize(
    ("kind", "votes"),
    [
        ("approval", "voter_id;vote;age\n1;7,10;30\n2;0;40\n3;7,10;50\n4;10,7;20\n"),  # plain
        ("approval", "voter_id;vote\n1;07\n"),  # a leading zero: no project is called that
        ("approval", "voter_id;vote\n1;00\n2;0\n"),
        ("approval", "voter_id;vote\n1;7,10,7\n"),  # a project twice
        ("approval", "voter_id;vote\n1;7, 10\n2;7,10\n"),  # a space merges with none
        ("approval", "voter_id;vote\n1;7,,10\n"),  # an empty part
        ("approval", "voter_id;vote\n1;,7\n2;7,\n"),
        ("approval", "voter_id;vote\n1;\n2;7\n"),  # an empty vote
        ("approval", "voter_id;vote\n1;99\n"),  # an unknown project
        ("approval", "voter_id;vote\n1;+7\n2;-0\n"),  # signs
        ("approval", "voter_id;vote\n1;18446744073709551623\n"),  # 2**64 + 7: no wrapping
        ("approval", "voter_id;vote\n1;1000000000000000007\n"),  # 19 digits
        ("approval", "voter_id;vote;city\n1;7;Łódź\n2;10;Kraków\n3;7;Łódź\n"),  # not ASCII
        ("approval", "voter_id;vote\nž;7\nž ;10\n"),  # a voter twice, spaced, not ASCII
        ("ordinal", "voter_id;vote\n1;10,0,7\n2;10,0,7\n3;7\n"),
        ("cumulative", "voter_id;vote;points\n1;7,10;3,2\n2;7,10;3,2\n3;0;5\n"),
    ],
)
def test_pabulib_fast_path_agrees_on_numbered_projects(kind: str, votes: str) -> None:
    text = NUMERIC.format(kind=kind) + "VOTES\n" + votes
    _pb_both_ways(text)


MANY = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
    + "".join(f"{n};1\n" for n in [*range(1, 70), 5_000_000])
    + "VOTES\nvoter_id;vote\n"
)


@pytest.mark.parametrize(
    "votes",
    [
        "1;69,1,5000000\n2;5000000,69,1\n3;69,1,5000000\n",  # 70 projects, one numbered high
        "1;69,1,69\n2;1\n",  # a project twice, among more than 64
        "1;5000000,5000001\n",  # one past the highest
        "1;70\n",
    ],
)
def test_pabulib_fast_path_agrees_with_many_projects_and_high_numbers(votes: str) -> None:
    _pb_both_ways(MANY + votes)


def test_pabulib_fast_path_holds_numbered_ballots_as_arrays() -> None:
    text = NUMERIC.format(kind="approval") + "VOTES\nvoter_id;vote\n1;7,10\n2;0\n3;7,10\n"
    profile = pabulib._plain_profile(text, "f.pb")
    assert profile is not None
    assert isinstance(profile.ballots, Ballots)
    assert (profile.ballots, profile.weights) == (((1, 2), (0,)), (2, 1))
    assert profile.arrays.flat.tolist() == [1, 2, 0]


def test_pabulib_fast_path_checks_what_shares_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every hash equal, different votes and voters are told apart byte for byte (or
    the file is read line by line): the profile is the same."""
    text = NUMERIC.format(kind="approval") + "VOTES\nvoter_id;vote\n1;7,10\n2;0\n3;7,10\n"
    expected = pabulib.parse_pb(text).profile()
    monkeypatch.setattr(pabulib, "_digest", lambda words: np.zeros(len(words), np.uint64))
    assert pabulib.parse_pb_profile(text) == expected
    assert pabulib._count_votes(text[text.index("VOTES") + 5 :]) is None  # read line by line
    # Equal votes share a hash and pass the byte check; different ones share it and fail it.
    monkeypatch.setattr(pabulib, "_distinct_voters", lambda *_: True)
    same = pabulib._count_votes("\nvoter_id;vote\n1;7,10\n2;7,10\n")
    assert same is not None
    assert same.counts == [2]
    assert pabulib._count_votes("\nvoter_id;vote\n1;7,10\n2;10,7\n") is None


def test_pabulib_fast_path_is_taken_for_a_plain_file_and_merges_ballots() -> None:
    text = HEAD.format(kind="approval") + "VOTES\r\nvoter_id;vote;sex\r\n1;a,b;F\r\n2;b;M\r\n"
    profile = pabulib._plain_profile(text + "3;a,b;M\r\n", "f.pb")
    assert profile is not None
    assert (profile.ballots, profile.weights, profile.points) == (((0, 1), (1,)), (2, 1), None)


def test_pabulib_fast_path_steps_aside_for_what_it_does_not_read() -> None:
    quoted = HEAD.format(kind="approval") + 'VOTES\nvoter_id;vote\n1;"a,b"\n'
    assert pabulib._plain_profile(quoted, "f.pb") is None
    assert pabulib.parse_pb_profile(quoted).ballots == ((0, 1),)
