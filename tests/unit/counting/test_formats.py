"""PrefLib and pabulib files: read, write back, and report faults by line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from rada.counting.errors import BallotFileError
from rada.counting.formats.pabulib import parse_pb, read_pb, write_pb
from rada.counting.formats.preflib import parse_preflib, read_preflib, write_preflib

PB = (
    "META\r\nkey;value\r\nbudget;100.5\r\nvote_type;approval\r\nrule;greedy\r\n"
    'PROJECTS\r\nproject_id;cost;name\r\n1;60;"Park; with ""trees"""\r\n2;50;Bench\r\n'
    "VOTES\nvoter_id;vote\n v1 ; 1,2 \nv2;2"
)


def test_pabulib_reads_quoted_fields_mixed_line_ends_and_exact_budget() -> None:
    pb = parse_pb(PB)
    assert pb.budget == Fraction(201, 2)
    assert pb.projects[0].fields["name"] == 'Park; with "trees"'
    assert pb.votes[0].voter_id == "v1"
    assert pb.votes[0].projects == ("1", "2")


def test_pabulib_file_round_trips(tmp_path: Path) -> None:
    pb = parse_pb(PB)
    write_pb(pb, tmp_path / "x.pb")
    again = read_pb(tmp_path / "x.pb")
    assert (again.meta, again.projects, again.votes) == (pb.meta, pb.projects, pb.votes)


def test_pabulib_vote_for_unknown_project_is_an_error_naming_line_and_project() -> None:
    # Dropping it (as before) changed the count unseen: the file contradicts itself.
    for invalid in ("truncate", "reject"):
        with pytest.raises(BallotFileError, match=r"x\.pb, line 13: .*project '9'.*not list"):
            parse_pb(PB.replace("v2;2", "v2;2,9"), file="x.pb", invalid=invalid)  # type: ignore[arg-type]


def test_pabulib_vote_naming_a_project_twice_is_reported_and_kept_once() -> None:
    pb = parse_pb(PB.replace("v2;2", "v2;2,1,2"))
    assert pb.votes[1].projects == ("2", "1")
    assert "project '2' twice" in pb.problems[0].reason


def test_pabulib_voter_id_twice_is_an_error_naming_both_lines() -> None:
    with pytest.raises(BallotFileError, match=r"x\.pb, line 13: voter id 'v1' .* 12 and 13"):
        parse_pb(PB.replace("v2;2", "v1;2"), file="x.pb")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (PB.replace("1;60;", "1;sixty;"), "line 8: cost 'sixty' is not a number"),
        (PB.replace("2;50;Bench", "2;50"), "line 9: expected 3 fields"),
        (PB.replace("PROJECTS", "PROJEKTY"), "PROJECTS section is missing"),
        (PB.replace("budget;100.5\r\n", ""), "no budget"),
        (PB.replace("v2;2", "v2;2,2"), "line 13: invalid vote: vote names project '2' twice"),
    ],
)
def test_pabulib_faults_name_the_line(text: str, fault: str) -> None:
    with pytest.raises(BallotFileError, match=fault.replace("(", r"\(")):
        parse_pb(text, file="x.pb", invalid="reject")


TOI = (
    "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: Ann\n"
    "# ALTERNATIVE NAME 2: Bob\n# ALTERNATIVE NAME 3: Cy\n3: 1,2,3\n2: {2,3},1\n1: 3\n"
)


def test_preflib_reads_names_counts_and_ties() -> None:
    d = parse_preflib(TOI)
    assert d.candidates == ("Ann", "Bob", "Cy")
    assert d.orders[1] == (((1, 2), (0,)), 2)


def test_preflib_ranking_with_tie_counts_up_to_the_tie() -> None:
    profile = parse_preflib(TOI).to_profile()
    assert profile.rankings == ((0, 1, 2), (2,))
    assert profile.problems[0].action == "counted up to preference 0"


def test_preflib_round_trips(tmp_path: Path) -> None:
    d = parse_preflib(TOI)
    write_preflib(d, tmp_path / "x.toi")
    assert read_preflib(tmp_path / "x.toi").orders == d.orders


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("# NUMBER ALTERNATIVES: 2\n1: 1,3\n", "line 2: an alternative outside 1..2"),
        ("# NUMBER ALTERNATIVES: 2\n1 1,2\n", "line 2: a data line must be"),
        ("# NUMBER ALTERNATIVES: 2\n1: 1,1\n", "line 2: an alternative appears twice"),
        ("1: 1,2\n", "line 1: an order before"),
        ("# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 3\n1: 1,2\n", "must rank all 3"),
    ],
)
def test_preflib_faults_name_the_line(text: str, fault: str) -> None:
    with pytest.raises(BallotFileError, match=fault):
        parse_preflib(text, file="f.soi")
