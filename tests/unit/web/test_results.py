"""The words of a counted result: why Equal Shares left money unspent and the most-supported
project out, and the result of an STV count (quota, stages, the elected once each)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any

from rada.counting.ballots import Profile
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
from rada.counting.mes import equal_shares
from rada.counting.mes_explain import completion_raise, explain_equal_shares
from rada.counting.stv import scottish_stv
from rada.web.i18n import translations
from rada.web.results import BudgetReasons, budget_explained, budget_reasons, stv_outcome


def english(text: str) -> str:
    return text


def plural(one: str, many: str, n: int) -> str:
    return one if n == 1 else many


def _election(budget: int, costs: dict[str, int], ballots: list[tuple[str, ...]]) -> PbInstance:
    return PbInstance(
        {"budget": str(budget), "vote_type": "approval"},
        tuple(PbProject(key, Fraction(cost)) for key, cost in costs.items()),
        tuple(PbVote(str(i), ballot) for i, ballot in enumerate(ballots)),
    )


def _reasons(
    instance: PbInstance, *, completion: str = "add1", language: str = "en"
) -> BudgetReasons:
    result = equal_shares(instance, completion=completion)  # type: ignore[arg-type]
    why = explain_equal_shares(
        instance, result.selected, raised=completion_raise(result.notes) or 0
    )
    labels = {p.id: p.id.title() for p in instance.projects}
    if language == "en":
        return budget_reasons(why, labels, language, english, plural)
    catalogue = translations(language)
    return budget_reasons(why, labels, language, catalogue.gettext, catalogue.ngettext)


# Five voters share 100 (20 each); voters 1-3 support the hall (30) and the roof (45), voters
# 4-5 the park (50). The hall and the roof tie; the cheaper hall is bought, 10 from each.
YARD = _election(
    100, {"hall": 30, "roof": 45, "park": 50}, [("hall", "roof")] * 3 + [("park",)] * 2
)


def test_money_left_is_explained_by_the_project_nearest_to_being_paid_for() -> None:
    reasons = _reasons(YARD, completion="none")
    assert reasons.completion is None
    assert reasons.unspent == (
        "70 of 100 was left unspent: no project not yet funded could be paid for by what its "
        "supporters had left of their shares. Of those that would fit in it, the nearest was "
        "Park (50): its 2 supporters had 40 left between them."
    )


def test_the_most_supported_project_lost_to_what_its_supporters_paid_for_another() -> None:
    assert _reasons(YARD, completion="none").most_supported == (
        "Roof (45) had the most supporters (3) but was not funded: their shares came to 60 "
        "together, and 30 of them went on other projects they also supported (30 on Hall), "
        "leaving 30, less than its cost.",
    )


def test_the_add1_completion_is_said_with_the_raised_shares() -> None:
    # The completion keeps shares of 24 (at 25 the roof and the park are bought too: 125).
    reasons = _reasons(YARD)
    assert reasons.completion is not None
    assert "from 20 to 24, one unit at a time" in reasons.completion
    assert reasons.most_supported[0].endswith(
        "their shares came to 72 together, and 30 of them went on other projects they also "
        "supported (30 on Hall), leaving 42, less than its cost."
    )


def test_czech_amounts_have_a_decimal_comma_and_the_plural_for_two() -> None:
    # Three voters share 100: 33.33 each. Only the fountain (90) is supported, by two of them.
    fountain = _election(100, {"fountain": 90}, [("fountain",), ("fountain",), ()])
    reasons = _reasons(fountain, completion="none", language="cs")
    assert reasons.unspent == (
        "Z rozpočtu 100 zůstalo 100 neutraceno: žádný dosud nefinancovaný projekt nemohli "
        "zaplatit jeho podporovatelé z toho, co jim zbylo z jejich podílů. Z projektů, které "
        "by se do této částky vešly, byl zaplacení nejblíže projekt Fountain (90): jeho 2 "
        "podporovatelům zbylo dohromady 66,67."
    )
    assert reasons.most_supported == (
        "Projekt Fountain (90) měl nejvíce podporovatelů (2), ale financován nebyl: ještě než "
        "se cokoli pořídilo, činily jejich podíly dohromady jen 66,67, méně, než projekt stojí.",
    )


def test_everything_funded_says_what_was_left() -> None:
    reasons = _reasons(
        _election(100, {"a": 40, "b": 20}, [("a",), ("a", "b"), ("b",)]), completion="none"
    )
    assert reasons.unspent == "Every project was funded; 40 of 100 was left unspent."
    assert reasons.most_supported == ()


def test_a_whole_budget_spent_needs_no_reason() -> None:
    # 20 each: the first two pay 20 each for a (40), the third 20 for b (20).
    reasons = _reasons(_election(60, {"a": 40, "b": 20}, [("a",), ("a",), ("b",)]))
    assert reasons.unspent is None
    assert reasons.most_supported == ()


def test_nothing_left_fits_when_every_project_not_funded_costs_more() -> None:
    # Two voters with 50 each: the gate (60) only, then 40 left; the shed (45) is beyond it.
    gate = _election(100, {"gate": 60, "shed": 45}, [("gate",), ("gate", "shed")])
    assert _reasons(gate, completion="none").unspent == (
        "40 of 100 was left unspent: every project not funded costs more than that."
    )


def test_projects_that_would_fit_but_nobody_supported() -> None:
    # Nothing is funded: the tower is beyond its two supporters; the well fits, unsupported.
    poor = _election(20, {"tower": 30, "well": 15}, [("tower",), ("tower",)])
    reasons = _reasons(poor, completion="none")
    assert reasons.unspent == (
        "20 of 20 was left unspent: nobody supported the projects not funded that would fit "
        "in it (Well (15))."
    )
    assert reasons.most_supported == (
        "Tower (30) had the most supporters (2) but was not funded: even before anything was "
        "bought, their shares came to only 20 together, less than its cost.",
    )


def test_tied_most_supported_projects_are_each_explained() -> None:
    # Three voters with 10 each all support the kiosk (3), the stage (29) and the tent (29):
    # the kiosk goes first (cheapest of the tie), 1 from each, leaving 27 for either.
    fair = _election(30, {"kiosk": 3, "stage": 29, "tent": 29}, [("kiosk", "stage", "tent")] * 3)
    most = _reasons(fair, completion="none").most_supported
    assert [m.split(" (")[0] for m in most] == ["Stage", "Tent"]
    assert all("(3 on Kiosk), leaving 27, less than its cost." in m for m in most)


def test_a_free_project_is_funded_and_needs_no_reason() -> None:
    free = _election(10, {"gift": 0, "shed": 30}, [("shed",)])
    reasons = _reasons(free, completion="none")
    assert (
        reasons.unspent
        == "10 of 10 was left unspent: every project not funded costs more than that."
    )
    assert reasons.most_supported[0].startswith("Shed (30) had the most supporters (1)")
    assert "its supporter's share came to only 10, less than its cost." in reasons.most_supported[0]


def _proposal(instance: PbInstance) -> Any:
    """What budget_explained reads of a proposal: its budget and its projects' costs."""
    return SimpleNamespace(
        details={"budget": str(instance.budget)},
        options=[SimpleNamespace(key=p.id, cost=str(p.cost)) for p in instance.projects],
    )


def test_the_page_replays_the_recorded_count_from_the_ballots() -> None:
    detail = equal_shares(YARD).to_dict()
    choices = [({"approve": list(v.projects)}, 1) for v in YARD.votes]
    why = budget_explained(_proposal(YARD), detail, choices)
    assert why is not None
    assert (why.share, why.unspent) == (24, 70)
    # Two identical ballots as one of weight 2 are two voters, as the count took them.
    merged = [({"approve": ["hall", "roof"]}, 3), ({"approve": ["park"]}, 2)]
    assert budget_explained(_proposal(YARD), detail, merged) == why


def test_the_page_says_nothing_when_the_ballots_do_not_reproduce_the_count() -> None:
    detail = equal_shares(YARD).to_dict()
    choices = [({"approve": list(v.projects)}, 1) for v in YARD.votes]
    proposal = _proposal(YARD)
    # A ballot emptied by a redaction since, a voter fewer, a price not the count's, a rule
    # other than Equal Shares: no explanation rather than a wrong one.
    assert budget_explained(proposal, detail, [*choices[:-1], ({}, 1)]) is None
    assert budget_explained(proposal, detail, choices[:-1]) is None
    altered = {**detail, "rounds": [{**detail["rounds"][0], "price": 11}]}
    assert budget_explained(proposal, altered, choices) is None
    assert budget_explained(proposal, {**detail, "rule": "greedy"}, choices) is None


def test_stv_result_says_who_was_elected_at_which_stage_and_who_was_excluded() -> None:
    # Quota 11 // 3 + 1 = 4. A is elected with 6 at stage 1; A's surplus of 2 goes to B at
    # 0.33333 a paper (1.99998); C, with 3, is excluded at stage 3, and B, the last one
    # continuing, takes the second seat with 3.99998, short of the quota.
    profile = Profile.from_rankings(["A", "B", "C"], [(0, 1)] * 6 + [(1,)] * 2 + [(2,)] * 3)
    detail = scottish_stv(profile, 2).to_dict()
    outcome = stv_outcome(detail, {"A": "Ana", "B": "Bo", "C": "Cy"}, "cs", english)
    assert outcome is not None
    assert outcome.quota == "4"
    assert outcome.quota_words.startswith(
        "The quota is 4: the valid ballots (11) divided by the seats plus one (2 + 1)"
    )
    assert [(x.label, x.result, x.stage, x.votes) for x in outcome.lines] == [
        ("Ana", "Elected", 1, "6"),
        (
            "Bo",
            "Elected without reaching the quota: no more candidates were left than seats to fill",
            3,
            "3,99998",
        ),
        ("Cy", "Excluded, with the fewest votes", 3, "3"),
    ]
    assert outcome.elected == ("Ana", "Bo")


def test_stv_result_lists_those_not_elected_by_their_last_votes() -> None:
    profile = Profile.from_rankings(["A", "B", "C"], [(0,)] * 6 + [(1,)] * 2 + [(2,)] * 3)
    outcome = stv_outcome(
        scottish_stv(profile, 1).to_dict(), {"A": "A", "B": "B", "C": "C"}, "en", english
    )
    assert outcome is not None
    assert [(x.label, x.result, x.stage) for x in outcome.lines] == [
        ("A", "Elected", 1),
        ("C", "Not elected", 1),
        ("B", "Not elected", 1),
    ]
    assert stv_outcome({"rounds": []}, {}, "en", english) is None
