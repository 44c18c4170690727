"""What the domain says, as translatable messages: the English stays as it was, every raise
in the domain and its use cases is marked for translation, and a decision's message says what
its summary (the record's English) says, word for word."""

from __future__ import annotations

import ast
import gettext
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rada.councils.ballots import count
from rada.councils.errors import AlreadyVoted, CouncilError, WrongStage
from rada.councils.model import Electorate
from rada.councils.orders import DecisionRule, Method, ProposalKind
from rada.councils.proposals import STAGE_NAMES, Option, Proposal, Stage
from rada.councils.text import Message, joined, msg, nmsg

SRC = Path(__file__).resolve().parents[3] / "src" / "rada"
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


class Catalogue(gettext.NullTranslations):
    """A tiny Czech catalogue, as the web layer's would be."""

    WORDS: ClassVar[dict[str, str]] = {
        "the proposal is in %(stage)s; votes are not open": (
            "návrh je ve fázi „%(stage)s“; hlasování není otevřeno"
        ),
        "draft": "koncept",
        "there is no post %(post)s": "příspěvek %(post)s neexistuje",
        "broken %(post)s": "rozbité %(missing)s",
    }
    PLURALS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "%(n)s ballot": ("%(n)s lístek", "%(n)s lístky", "%(n)s lístků")
    }

    def gettext(self, message: str) -> str:
        return self.WORDS.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.PLURALS.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        return forms[0 if n == 1 else 1 if 2 <= n <= 4 else 2]


def test_a_message_is_english_until_translated_with_its_parameters_too() -> None:
    refusal = msg(
        "the proposal is in %(stage)s; votes are not open", stage=STAGE_NAMES[Stage.DRAFT]
    )
    assert str(refusal) == "the proposal is in draft; votes are not open"
    assert refusal.translate(Catalogue()) == "návrh je ve fázi „koncept“; hlasování není otevřeno"


def test_a_number_picks_the_plural_form_in_each_language() -> None:
    forms = [nmsg("%(n)s ballot", "%(n)s ballots", n) for n in (1, 3, 5)]
    assert [str(m) for m in forms] == ["1 ballot", "3 ballots", "5 ballots"]
    assert [m.translate(Catalogue()) for m in forms] == ["1 lístek", "3 lístky", "5 lístků"]


def test_a_broken_translation_falls_back_to_english() -> None:
    assert msg("broken %(post)s", post=3).translate(Catalogue()) == "broken 3"


def test_messages_survive_json_with_nested_messages_lists_and_fractions() -> None:
    message = msg(
        "%(what)s: %(names)s need %(share)s",
        what=msg("draft"),
        names=joined(["Ana", msg("draft")], "; "),
        share=Fraction(2, 3),
    )
    again = Message.from_dict(message.to_dict())
    assert str(again) == str(message) == "draft: Ana; draft need 2/3"
    assert again.translate(Catalogue()) == "koncept: Ana; koncept need 2/3"


def test_an_error_keeps_its_english_text_and_its_message() -> None:
    error = AlreadyVoted(msg("there is no post %(post)s", post=4), hint=msg("draft"))
    assert str(error) == "there is no post 4"
    assert error.hint == "draft"
    assert isinstance(error.message, Message)
    assert error.message.translate(Catalogue()) == "příspěvek 4 neexistuje"
    plain = CouncilError("already in the reader's language")
    assert plain.message == str(plain)
    assert plain.hint is None


def _raises_outside_msg(path: Path) -> list[str]:
    """Every domain error raised in ``path`` whose message is not a marked message."""
    tree = ast.parse(path.read_text("utf-8"))
    errors = {
        "CouncilError",
        "NotFound",
        "NotAllowed",
        "WrongStage",
        "AlreadyVoted",
        "InvalidChoice",
        "InvalidStandingOrders",
        "Conflict",
        "BadCredentials",
    }
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in errors
            and node.args
        ):
            continue
        said = [node.args[0], *(k.value for k in node.keywords if k.arg == "hint")]
        for arg in said:
            marked = isinstance(arg, ast.Call) and getattr(arg.func, "id", "") in ("msg", "nmsg")
            constant = isinstance(arg, ast.Name) and arg.id.isupper()  # a module's msg(...)
            if not (marked or constant):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_error_of_the_domain_its_use_cases_and_store_is_a_marked_message() -> None:
    files = [p for area in ("councils", "services", "store") for p in (SRC / area).rglob("*.py")]
    unmarked = [where for path in files for where in _raises_outside_msg(path)]
    assert unmarked == []


def _voting(rule: DecisionRule, **kw: object) -> Proposal:
    p = Proposal(
        council_id=1,
        kind=ProposalKind.APPOINTMENT if "options" in kw else ProposalKind.MOTION,
        title="Buy a second oven",
        author_id=7,
        rule=rule,
        created_at=T0,
        details={"post": "manager"} if "options" in kw else {},
        **kw,  # type: ignore[arg-type]
    )
    p.write("We bake more than one oven can.", by=7, now=T0)
    p.open_discussion(now=T0)
    p.open_voting(now=T0 + timedelta(hours=rule.discussion_hours))
    return p


MOTIONS = [Method.SIMPLE_MAJORITY, Method.ABSOLUTE_MAJORITY, Method.TWO_THIRDS, Method.RECALL]


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(MOTIONS),
    votes=st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=9),
    absent=st.integers(0, 4),
    quorum=st.sampled_from([None, Fraction(1, 3), Fraction(1, 2)]),
)
def test_a_motions_message_says_what_the_counting_library_says(
    method: Method, votes: list[str], absent: int, quorum: Fraction | None
) -> None:
    p = _voting(DecisionRule(method, quorum=quorum))
    members = Electorate(dict.fromkeys(range(len(votes) + absent), 1))
    decision = count(p, [({"position": v}, 1) for v in votes], members)
    assert decision.message is not None
    assert str(decision.message) == decision.summary


@settings(max_examples=200, deadline=None)
@given(
    positions=st.lists(st.sampled_from(["agree", "abstain", "disagree", "block"]), max_size=6),
    fallback=st.sampled_from([None, Fraction(1, 2), Fraction(2, 3), Fraction(1)]),
    secret=st.booleans(),
)
def test_a_consensus_message_says_what_the_counting_library_says(
    positions: list[str], fallback: Fraction | None, secret: bool
) -> None:
    p = _voting(DecisionRule(Method.CONSENSUS, fallback=fallback, secret=secret))
    choices = [
        ({"position": v, "reason": "unsafe"} if v == "block" else {"position": v}, 1)
        for v in positions
    ]
    voters = () if secret else [f"person/{i}" for i in range(len(positions))]
    decision = count(p, choices, Electorate(dict.fromkeys(range(6), 1)), voters=voters)
    assert decision.message is not None
    assert str(decision.message) == decision.summary


def test_election_and_budget_summaries_are_their_messages() -> None:
    options = tuple(Option(k, k.upper()) for k in ("a", "b", "c"))
    p = _voting(DecisionRule(Method.STV, secret=True), options=options, seats=1)
    decision = count(
        p, [({"ranking": ["a", "b"]}, 1), ({"ranking": ["a"]}, 1)], Electorate({1: 1, 2: 1})
    )
    assert decision.summary == "Elected: A (stv, 2 ballots)."
    assert decision.message is not None
    assert str(decision.message) == decision.summary
    nobody = count(p, [], Electorate({1: 1}))
    assert nobody.summary == "Nobody was elected: no valid ballots."
    assert nobody.message is not None


def test_a_wrong_stage_names_the_stage_in_the_readers_language() -> None:
    p = _voting(DecisionRule(Method.SIMPLE_MAJORITY))
    p.stage = Stage.DRAFT
    with pytest.raises(WrongStage) as caught:
        p.check_voting_open(now=T0)
    assert str(caught.value) == "the proposal is in draft; votes are not open"
    assert isinstance(caught.value.message, Message)
    assert caught.value.message.translate(Catalogue()) == (
        "návrh je ve fázi „koncept“; hlasování není otevřeno"
    )
