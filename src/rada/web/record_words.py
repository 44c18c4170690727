"""Record entries as sentences, for people: "Dana Černá voted yes on proposal 12: A second oven".

The record keeps ids and English field names (``docs/record.md``); the page says each entry in
the reader's language, naming the people, councils and proposals it concerns (from the tables,
which the audit holds to the record) and linking the proposal it is about. Entries no event
class reads are left without a sentence; their body is shown as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rada.services.ports import UnitOfWork

__all__ = ["Names", "Sentence", "sentence"]

Gettext = Callable[[str], str]
NGettext = Callable[[str, str, int], str]


@dataclass(frozen=True)
class Sentence:
    """What an entry says, in words, and the proposal it is about (for a link), if any."""

    text: str
    proposal: int | None = None


class Names:
    """People's, councils' and proposals' names by id, each read once per page."""

    def __init__(self, uow: UnitOfWork, _: Gettext) -> None:
        self._uow, self._ = uow, _
        self._people: dict[int, str] = {}
        self._councils: dict[int, str] = {}
        self._proposals: dict[int, str] = {}

    def person(self, person_id: object) -> str:
        key = _int(person_id)
        if key not in self._people:
            found = self._uow.people.get(key)
            self._people[key] = found.name if found else self._("person %(n)s") % {"n": key}
        return self._people[key]

    def council(self, council_id: object) -> str:
        key = _int(council_id)
        if key not in self._councils:
            found = self._uow.councils.get(key)
            self._councils[key] = found.name if found else self._("council %(n)s") % {"n": key}
        return self._councils[key]

    def proposal(self, proposal_id: object) -> str:
        """'proposal 12: A second oven' (the title as the tables keep it: a redacted one is
        empty, and then only the number is given)."""
        key = _int(proposal_id)
        if key not in self._proposals:
            found = self._uow.proposals.get(key)
            number = self._("proposal %(n)s") % {"n": key}
            self._proposals[key] = f"{number}: {found.title}" if found and found.title else number
        return self._proposals[key]


def _int(value: object) -> int:
    return value if isinstance(value, int) else int(str(value))


def _author(author: str | None) -> int | None:
    if author is None or not author.startswith("person/"):
        return None
    number = author.removeprefix("person/")
    return int(number) if number.isdigit() else None


def _choice(choice: Mapping[str, Any], _: Gettext, ngettext: NGettext) -> str:
    """A vote's choice in words, for the sentence (a ranking or approvals as a count)."""
    positions = {
        "yes": _("yes"),
        "no": _("no"),
        "abstain": _("abstain"),
        "agree": _("agree"),
        "disagree": _("disagree"),
        "block": _("block"),
    }
    if "position" in choice:
        return positions.get(str(choice["position"]), str(choice["position"]))
    if "ranking" in choice:
        n = len(choice["ranking"])
        return ngettext("a ranking of %(n)s candidate", "a ranking of %(n)s candidates", n) % {
            "n": n
        }
    if "approve" in choice:
        n = len(choice["approve"])
        return ngettext("approving %(n)s choice", "approving %(n)s choices", n) % {"n": n}
    return _("an empty ballot")


def sentence(
    kind: str | None,
    author: str | None,
    body: Mapping[str, Any],
    names: Names,
    _: Gettext,
    ngettext: NGettext,
) -> Sentence | None:
    """The sentence an entry reads as, or None for an entry no sentence is written for."""
    event = body.get("event")
    council = body.get("council")
    who = _author(author)
    try:
        said = _say(str(kind), str(event), who, council, body, names, _, ngettext)
    except (KeyError, TypeError, ValueError):
        return None  # a body of another shape: shown as stored
    if said is None or not said.text:
        return said
    return Sentence(said.text[0].upper() + said.text[1:], said.proposal)


def _say(
    kind: str,
    event: str,
    who: int | None,
    council: object,
    body: Mapping[str, Any],
    names: Names,
    _: Gettext,
    ngettext: NGettext,
) -> Sentence | None:
    person = names.person(who) if who is not None else ""
    proposal = body.get("proposal")
    about = names.proposal(proposal) if isinstance(proposal, int) else ""
    key = (kind, event)
    if kind in ("person", "council"):
        return _say_council(key, person, proposal, council, body, names, _)
    if kind == "membership":
        return _say_membership(event, proposal, council, body, names, _)
    if kind == "proposal":
        return _say_proposal(event, person, about, proposal, council, body, names, _)
    if kind in ("vote", "participation", "ballot", "decision"):
        return _say_vote(key, person, about, proposal, body, _, ngettext)
    if kind == "post":
        return _say_post(event, person, about, proposal, _)
    if kind == "plan":
        return _say_plan(event, person, body, _)
    return None


def _say_council(
    key: tuple[str, str],
    person: str,
    proposal: object,
    council: object,
    body: Mapping[str, Any],
    names: Names,
    _: Gettext,
) -> Sentence | None:
    """An account made, or a council founded, affiliated, disaffiliated or reweighed."""
    event = key[1]
    if key == ("person", "registered"):
        return Sentence(_("%(person)s made an account.") % {"person": body["name"]})
    if key == ("council", "founded"):
        return Sentence(
            _("%(person)s founded %(council)s.") % {"person": person, "council": body["name"]}
        )
    if key in (("council", "affiliated"), ("council", "disaffiliated")):
        words = (
            _("%(member)s joined %(federation)s, by its own decision.")
            if event == "affiliated"
            else _("%(member)s left %(federation)s, by its own decision.")
        )
        text = words % {"member": body["member"]["name"], "federation": names.council(council)}
        return Sentence(text, proposal if isinstance(proposal, int) else None)
    if key == ("council", "reweighed"):
        return Sentence(
            _("Each vote of %(member)s's delegates in %(federation)s now weighs %(weight)s.")
            % {
                "member": body["member"]["name"],
                "federation": names.council(council),
                "weight": body["weight"],
            }
        )
    return None


def _say_membership(
    event: str,
    proposal: object,
    council: object,
    body: Mapping[str, Any],
    names: Names,
    _: Gettext,
) -> Sentence | None:
    """A membership begun, ended or changed."""
    subject = body["person"]["name"] if isinstance(body["person"], Mapping) else ""
    subject = subject or names.person(body["person"])
    where = names.council(council)
    template = {
        "joined": _("%(person)s joined %(council)s."),
        "seated": _("%(person)s took a seat in %(council)s as a delegate."),
        "ended": _("%(person)s's membership of %(council)s ended."),
        "recalled": _("%(person)s was recalled from %(council)s."),
        "role-granted": _("%(person)s became a convenor of %(council)s."),
        "office-filled": _("%(person)s took office in %(council)s."),
        "office-ended": _("%(person)s's office in %(council)s ended."),
    }.get(event)
    if template is None:
        return None
    return Sentence(
        template % {"person": subject, "council": where},
        proposal if isinstance(proposal, int) else None,
    )


def _say_proposal(
    event: str,
    person: str,
    about: str,
    proposal: object,
    council: object,
    body: Mapping[str, Any],
    names: Names,
    _: Gettext,
) -> Sentence | None:
    """A proposal opened, revised, put to discussion or to the vote."""
    template = {
        "opened": _("%(person)s opened %(proposal)s in %(council)s."),
        "revised": _("%(person)s revised %(proposal)s."),
        "discussion": _("%(person)s put %(proposal)s to discussion."),
        "voting": _("%(person)s opened the vote on %(proposal)s."),
    }.get(event)
    if template is None:
        return None
    if event == "opened":
        about = names.proposal(proposal) if body.get("title") else about
    values = {"person": person, "proposal": about, "council": names.council(council)}
    return Sentence(template % values, _int(proposal))


def _say_vote(
    key: tuple[str, str],
    person: str,
    about: str,
    proposal: object,
    body: Mapping[str, Any],
    _: Gettext,
    ngettext: NGettext,
) -> Sentence | None:
    """A vote cast or revealed, a part taken in a secret ballot, a ballot counted, a decision."""
    if key == ("vote", "cast"):
        # A later version is a change of the member's vote while voting was open.
        changed = body.get("version", 1) != 1
        if body.get("hidden") or "choice" not in body:
            words = (
                _("%(person)s changed their vote on %(proposal)s; how is shown at the count.")
                if changed
                else _("%(person)s voted on %(proposal)s; how is shown at the count.")
            )
            return Sentence(words % {"person": person, "proposal": about}, _int(proposal))
        words = (
            _("%(person)s changed their vote on %(proposal)s to %(choice)s.")
            if changed
            else _("%(person)s voted %(choice)s on %(proposal)s.")
        )
        return Sentence(
            words
            % {"person": person, "choice": _choice(body["choice"], _, ngettext), "proposal": about},
            _int(proposal),
        )
    if key == ("vote", "revealed"):
        return Sentence(
            _("At the count: %(person)s had voted %(choice)s on %(proposal)s.")
            % {"person": person, "choice": _choice(body["choice"], _, ngettext), "proposal": about},
            _int(proposal),
        )
    if key == ("participation", "took-part"):
        return Sentence(
            _("%(person)s took part in the secret ballot on %(proposal)s.")
            % {"person": person, "proposal": about},
            _int(proposal),
        )
    if key == ("ballot", "counted"):
        return Sentence(
            _("A secret ballot on %(proposal)s, published at the count: %(choice)s.")
            % {"proposal": about, "choice": _choice(body["choice"], _, ngettext)},
            _int(proposal),
        )
    if key == ("decision", "decided"):
        outcome = body["decision"]["outcome"]
        words = (
            _("%(proposal)s was adopted.")
            if outcome == "adopted"
            else _("%(proposal)s was rejected.")
        )
        return Sentence(words % {"proposal": about}, _int(proposal))
    return None


def _say_post(event: str, person: str, about: str, proposal: object, _: Gettext) -> Sentence | None:
    """A post written or edited in a proposal's discussion."""
    template = {
        "written": _("%(person)s wrote in the discussion of %(proposal)s."),
        "edited": _("%(person)s edited their post on %(proposal)s."),
    }.get(event)
    if template is None:
        return None
    return Sentence(template % {"person": person, "proposal": about}, _int(proposal))


def _say_plan(event: str, person: str, body: Mapping[str, Any], _: Gettext) -> Sentence | None:
    """A step of a planning cycle."""
    template = {
        "cycle-opened": _("The congress opened planning cycle %(cycle)s."),
        "priorities": _("%(person)s gave priorities in planning cycle %(cycle)s."),
        "priorities-closed": _("The priorities of planning cycle %(cycle)s were closed."),
        "planned": _("The engine planned round %(round)s of planning cycle %(cycle)s."),
        "reviewed": _("Every council answered its target in round %(round)s."),
        "put-to-congress": _("The plan of cycle %(cycle)s was put to the congress."),
        "adopted": _("The congress adopted the plan of cycle %(cycle)s."),
        "not-adopted": _("The congress did not adopt the plan of cycle %(cycle)s."),
    }.get(event)
    if template is None:
        return None
    values = {"person": person, "cycle": body["cycle"], "round": body.get("round", "")}
    return Sentence(template % values)
