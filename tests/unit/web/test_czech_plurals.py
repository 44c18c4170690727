"""Czech says a count in three forms, and the catalogue has each: 1 (one), 2–4 (few), 5 and more
(many): "1 delegát se zúčastnil", "3 delegáti se zúčastnili", "5 delegátů se zúčastnilo"."""

from __future__ import annotations

import pytest

from rada.councils.orders import DecisionRule, Method
from rada.councils.text import nmsg
from rada.web.i18n import translations
from rada.web.page_kit import rule_in_words
from rada.web.templating import environment

CZECH = translations("cs")


@pytest.mark.parametrize(
    ("n", "form"), [(0, 2), (1, 0), (2, 1), (3, 1), (4, 1), (5, 2), (11, 2), (22, 2), (101, 2)]
)
def test_the_catalogue_picks_the_czech_form_of_each_number(n: int, form: int) -> None:
    forms = ["%(n)s kolo", "%(n)s kola", "%(n)s kol"]
    said = CZECH.ngettext(
        "the congress allowed %(n)s round", "the congress allowed %(n)s rounds", n
    )
    assert said == f"sjezd povolil {forms[form]}"


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "1 delegát se zúčastnil."),
        (3, "3 delegáti se zúčastnili."),
        (5, "5 delegátů se zúčastnilo."),
    ],
)
def test_a_templates_count_takes_its_czech_form(n: int, said: str) -> None:
    template = environment("cs").from_string(
        "{% trans count=n %}{{ count }} delegate took part.{% pluralize %}"
        "{{ count }} delegates took part.{% endtrans %}"
    )
    assert template.render(n=n) == said


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "Nejvýše 1 kolo posuzování."),
        (3, "Nejvýše 3 kola posuzování."),
        (5, "Nejvýše 5 kol posuzování."),
    ],
)
def test_the_cycles_round_limit_takes_its_czech_form(n: int, said: str) -> None:
    template = environment("cs").from_string(
        "{% trans count=n %}At most {{ count }} round of review.{% pluralize %}"
        "At most {{ count }} rounds of review.{% endtrans %}"
    )
    assert template.render(n=n) == said


@pytest.mark.parametrize(
    ("hours", "discussion", "vote"),
    [
        (1, "Před hlasováním nejméně 1 hodina diskuse.", "Hlasování trvá 1 hodinu."),
        (3, "Před hlasováním nejméně 3 hodiny diskuse.", "Hlasování trvá 3 hodiny."),
        (5, "Před hlasováním nejméně 5 hodin diskuse.", "Hlasování trvá 5 hodin."),
    ],
)
def test_a_rules_hours_take_their_czech_form(hours: int, discussion: str, vote: str) -> None:
    rule = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=hours, voting_hours=hours)
    words = rule_in_words(rule, CZECH.gettext, CZECH.ngettext)
    assert discussion in words
    assert vote in words


def test_english_has_its_singular_too() -> None:
    english = translations("en")
    rule = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=1, voting_hours=1)
    words = rule_in_words(rule, english.gettext, english.ngettext)
    assert "At least 1 hour of discussion before the vote." in words
    assert "The vote lasts 1 hour." in words


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "heslo musí mít alespoň 1 znak"),
        (3, "heslo musí mít alespoň 3 znaky"),
        (5, "heslo musí mít alespoň 5 znaků"),
    ],
)
def test_a_domain_message_takes_its_czech_form(n: int, said: str) -> None:
    message = nmsg(
        "a password needs at least %(n)s character", "a password needs at least %(n)s characters", n
    )
    assert message.translate(CZECH) == said
