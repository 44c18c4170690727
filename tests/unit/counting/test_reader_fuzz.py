"""Every ballot-file reader reads its input or refuses it with a BallotFileError naming the
file (and the line where there is one): never another exception, whatever the bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rada.counting.errors import BallotFileError
from rada.counting.formats.approval import parse_cat, read_approval
from rada.counting.formats.blt import parse_blt
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote, format_pb, parse_pb
from rada.counting.formats.preflib import PreflibData, format_preflib, parse_preflib

# Derandomized: the same examples on every run, so CI is not at the mercy of a draw.
FUZZ = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Numbers no reader may take for a count, weight, cost or budget.
BAD_NUMBERS = ("1e400", "-1e400", "nan", "NaN", "inf", "Infinity", "-inf", "1e999999999")
#: Text that once slipped past a check (isdigit() is true for "²"; int() refuses 5,000 digits).
NASTY = (*BAD_NUMBERS, "0", "-1", "²", "١٢", "9" * 5000, "", "1/0", "0x10", "1_0", "\x00", "\ufeff")


def _refused_properly(parse: Callable[[str], object], text: str, name: str) -> None:
    """``parse(text)`` reads, or raises BallotFileError naming ``name`` and a real line."""
    try:
        parse(text)
    except BallotFileError as exc:
        error = exc
    else:
        return
    assert error.file == name
    assert str(error).startswith(name)
    if error.line is not None:
        assert 1 <= error.line <= max(1, len(text.splitlines()))


@st.composite
def mutated(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A valid text with a few edits: a token swapped for a nasty one, text cut, inserted,
    a line doubled or dropped."""
    text = draw(texts)
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["token", "cut", "insert", "double", "drop"]))
        if edit == "token":
            tokens = [t for t in _tokens(lines[at]) if t]
            if tokens:
                old = draw(st.sampled_from(tokens))
                lines[at] = lines[at].replace(old, draw(st.sampled_from(NASTY)), 1)
        elif edit == "cut" and lines[at]:
            start = draw(st.integers(0, len(lines[at]) - 1))
            lines[at] = lines[at][:start] + lines[at][draw(st.integers(start, len(lines[at]))) :]
        elif edit == "insert":
            start = draw(st.integers(0, len(lines[at])))
            extra = draw(st.text(st.sampled_from(';,:{} "\r0123456789-e.#'), max_size=6))
            lines[at] = lines[at][:start] + extra + lines[at][start:]
        elif edit == "double":
            lines.insert(at, lines[at])
        elif edit == "drop":
            del lines[at]
        text = "\n".join(lines)
    return text


@st.composite
def one_token_swapped(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A valid text with one token (a count, an id, an amount) swapped for a nasty one."""
    lines = draw(texts).split("\n")
    at = draw(st.sampled_from([k for k, line in enumerate(lines) if _tokens(line)]))
    old = draw(st.sampled_from(_tokens(lines[at])))
    lines[at] = lines[at].replace(old, draw(st.sampled_from(NASTY)), 1)
    return "\n".join(lines)


def _tokens(line: str) -> list[str]:
    for sep in ";,: {}":
        line = line.replace(sep, " ")
    return line.split()


# --- pabulib -------------------------------------------------------------------------------

ids = st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=5, unique=True)
#: Project ids as most pabulib files write them, numbers (and one that is not plain).
numbered = st.lists(
    st.sampled_from(["0", "1", "7", "10", "12", "345", "007"]), min_size=1, max_size=5, unique=True
)


@st.composite
def pb_texts(draw: st.DrawFn) -> str:
    projects = draw(st.one_of(ids, numbered))
    costs = draw(st.lists(st.integers(1, 10**6), min_size=len(projects), max_size=len(projects)))
    vote_type = draw(st.sampled_from(["approval", "ordinal", "cumulative"]))
    votes = []
    for k in range(draw(st.integers(1, 6))):
        chosen = draw(st.lists(st.sampled_from(projects), min_size=1, unique=True))
        points = tuple(1 for _ in chosen) if vote_type == "cumulative" else None
        votes.append(PbVote(f"v{k}", tuple(chosen), points))
    meta = {"budget": str(draw(st.integers(1, 10**7))), "vote_type": vote_type}
    if vote_type == "ordinal":
        meta["max_length"] = str(len(projects))
    columns = ("voter_id", "vote", "points") if vote_type == "cumulative" else ("voter_id", "vote")
    instance = PbInstance(
        meta,
        tuple(PbProject(p, c) for p, c in zip(projects, costs, strict=True)),
        tuple(votes),
        vote_columns=columns,
    )
    return format_pb(instance)


@FUZZ
@given(pb_texts())
def test_pabulib_reads_what_it_writes(text: str) -> None:
    assert format_pb(parse_pb(text)) == text


@FUZZ
@given(st.one_of(mutated(pb_texts()), one_token_swapped(pb_texts())))
def test_pabulib_reads_or_refuses_mutated_files(text: str) -> None:
    _refused_properly(lambda t: parse_pb(t, file="fuzz.pb"), text, "fuzz.pb")
    try:
        pb = parse_pb(text)
    except BallotFileError:
        return
    # What reads is what a count may trust: one ballot per voter, only listed projects,
    # exact amounts in range.
    assert len({v.voter_id for v in pb.votes}) == len(pb.votes)
    assert {pid for v in pb.votes for pid in v.projects} <= {p.id for p in pb.projects}
    assert 0 < pb.budget <= 10**15
    assert all(0 <= p.cost <= 10**15 for p in pb.projects)


@FUZZ
@given(st.text(max_size=300))
def test_pabulib_reads_or_refuses_any_text(text: str) -> None:
    _refused_properly(lambda t: parse_pb(t, file="f.pb"), "META\nkey;value\n" + text, "f.pb")


PB = (
    "META\nkey;value\nbudget;100\nvote_type;cumulative\nmax_sum_cost;90\n"
    "PROJECTS\nproject_id;cost\na;60\nb;50\n"
    "VOTES\nvoter_id;vote;points\nv1;a,b;2,1\nv2;b;3\n"
)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize(
    ("field", "old", "line"),
    [("budget", "budget;100", 3), ("max_sum_cost", "max_sum_cost;90", 5), ("cost", "a;60", 8)],
)
def test_pabulib_refuses_a_non_finite_or_huge_amount_naming_line_and_field(
    bad: str, field: str, old: str, line: int
) -> None:
    text = PB.replace(old, old.split(";")[0] + ";" + bad)
    with pytest.raises(BallotFileError, match=rf"^x\.pb, line {line}: {field} '{bad}' is "):
        parse_pb(text, file="x.pb")


@pytest.mark.parametrize(
    ("old", "new", "fault"),
    [
        ("budget;100", "budget;0", "line 3: budget '0' is not positive"),
        ("budget;100", "budget;-5", "line 3: budget '-5' is negative"),
        ("a;60", "a;-60", "line 8: cost '-60' is negative"),
        ("a;60", "a;1e16", "line 8: cost '1e16' is out of range"),
        ("a;60", "a;1e-31", "line 8: cost '1e-31' is out of range"),
        ("a;60", "a;1/0", "line 8: cost '1/0' is not a number"),
        ("v2;b;3", "v2;b;1e400", "line 13: points '1e400' are not whole numbers"),
        ("vote_type", "max_length;1e400\nvote_type", "line 4: max_length '1e400' is not a whole"),
    ],
)
def test_pabulib_refuses_bad_numbers_naming_the_line(old: str, new: str, fault: str) -> None:
    with pytest.raises(BallotFileError, match=fault.replace("(", r"\(")):
        parse_pb(PB.replace(old, new), file="x.pb")


def test_pabulib_reads_amounts_it_writes_and_money_in_exponent_form() -> None:
    pb = parse_pb(PB.replace("a;60", "a;1/3").replace("b;50", "b;1.5e1"))
    assert [str(p.cost) for p in pb.projects] == ["1/3", "15"]


# --- BLT -----------------------------------------------------------------------------------


@st.composite
def blt_texts(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 5))
    lines = [f"{n} {draw(st.integers(1, n))}"]
    for _ in range(draw(st.integers(0, 6))):
        ranking = draw(st.lists(st.integers(1, n), min_size=1, max_size=n, unique=True))
        lines.append(" ".join([str(draw(st.integers(1, 99))), *map(str, ranking), "0"]))
    lines += ["0", *(f'"C{i}"' for i in range(n)), '"Title"']
    return "\n".join(lines) + "\n"


@FUZZ
@given(st.one_of(mutated(blt_texts()), one_token_swapped(blt_texts())))
def test_blt_reads_or_refuses_mutated_files(text: str) -> None:
    _refused_properly(lambda t: parse_blt(t, file="fuzz.blt"), text, "fuzz.blt")


@FUZZ
@given(st.text(max_size=200))
def test_blt_reads_or_refuses_any_text(text: str) -> None:
    _refused_properly(lambda t: parse_blt(t, file="f.blt"), text, "f.blt")


BLT = '3 1\n-2\n4 1 2 0\n2 3 0\n0\n"Ann"\n"Bob"\n"Cy"\n"T"\n'


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, "²", "9" * 5000])
@pytest.mark.parametrize(
    ("old", "line", "field"),
    [("3 1\n", 1, "candidates and seats"), ("4 1", 3, "weight"), ("-2\n", 2, "withdrawn")],
)
def test_blt_refuses_a_number_that_is_not_whole_naming_line_and_field(
    bad: str, old: str, line: int, field: str
) -> None:
    new = old.replace(old.split()[0], ("-" + bad) if old.startswith("-") else bad, 1)
    with pytest.raises(BallotFileError, match=rf"^x\.blt, line {line}: .*{field}.* found"):
        parse_blt(BLT.replace(old, new, 1), file="x.blt")


# --- PrefLib and .cat ----------------------------------------------------------------------


@st.composite
def preflib_texts(draw: st.DrawFn) -> str:
    m = draw(st.integers(1, 5))
    orders = []
    for _ in range(draw(st.integers(0, 5))):
        ranking = draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=m, unique=True))
        orders.append((tuple((c,) for c in ranking), draw(st.integers(1, 50))))
    names = tuple(f"A{i}" for i in range(m))
    return format_preflib(PreflibData("soi", names, tuple(orders)))


CAT_TEXTS = preflib_texts().map(lambda t: t.replace("DATA TYPE: soi", "DATA TYPE: cat"))


@FUZZ
@given(st.one_of(mutated(preflib_texts()), one_token_swapped(preflib_texts())))
def test_preflib_reads_or_refuses_mutated_files(text: str) -> None:
    _refused_properly(lambda t: parse_preflib(t, file="fuzz.soi"), text, "fuzz.soi")


@FUZZ
@given(st.one_of(mutated(CAT_TEXTS), one_token_swapped(CAT_TEXTS)))
def test_cat_reads_or_refuses_mutated_files(text: str) -> None:
    _refused_properly(lambda t: parse_cat(t, file="fuzz.cat"), text, "fuzz.cat")


@FUZZ
@given(st.text(max_size=200))
def test_preflib_and_cat_read_or_refuse_any_text(text: str) -> None:
    head = "# NUMBER ALTERNATIVES: 3\n"
    _refused_properly(lambda t: parse_preflib(t, file="f.toi"), head + text, "f.toi")
    _refused_properly(lambda t: parse_cat(t, file="f.cat"), head + text, "f.cat")


TOI = "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n3: 1,2\n2: {2,3}\n"


@pytest.mark.parametrize("parse", [parse_preflib, parse_cat])
@pytest.mark.parametrize("bad", [*BAD_NUMBERS, "0", "²", "9" * 5000])
def test_preflib_counts_must_be_positive_whole_numbers(
    parse: Callable[..., object], bad: str
) -> None:
    text = TOI.replace("3: 1,2", f"{bad}: 1,2").replace(
        "toi", "cat" if parse is parse_cat else "toi"
    )
    with pytest.raises(BallotFileError, match=r"^x, line 3: .*count"):
        parse(text, file="x")


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, "²", "100001", "9" * 5000])
def test_preflib_number_of_alternatives_is_a_bounded_whole_number(bad: str) -> None:
    with pytest.raises(BallotFileError, match=r"^x, line 2: .*NUMBER ALTERNATIVES"):
        parse_preflib(TOI.replace("ALTERNATIVES: 3", f"ALTERNATIVES: {bad}"), file="x")


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_preflib_alternative_that_is_not_a_number_is_named(bad: str) -> None:
    with pytest.raises(BallotFileError, match=rf"^x, line 3: '{bad}' is not an alternative"):
        parse_preflib(TOI.replace("3: 1,2", f"3: 1,{bad}"), file="x")


def test_approval_reader_refuses_bad_pabulib_amounts_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.pb"
    path.write_text(
        PB.replace("vote_type;cumulative", "vote_type;approval").replace("a;60", "a;nan")
    )
    with pytest.raises(BallotFileError, match=r"x\.pb, line 8: cost 'nan' is not a finite"):
        read_approval(path)
