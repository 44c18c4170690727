"""The plumbing every page shares: checked forms, their fields, redirects after a post, and
the model's names in words. Pages import this module and never each other (an import-linter
contract keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from fastapi import HTTPException
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from rada.councils.notices import AccountSettings
from rada.councils.orders import CouncilKind, DecisionRule, Method, ProposalKind, Role
from rada.councils.proposals import Outcome, Stage
from rada.web.security import CsrfError, check_form
from rada.web.templating import gettext_for

__all__ = [
    "Gettext",
    "NGettext",
    "address_state",
    "form_text",
    "labels",
    "redirect",
    "rule_in_words",
    "safe_next",
    "verified_form",
]

Gettext = Callable[[str], str]
NGettext = Callable[[str, str, int], str]


def address_state(settings: AccountSettings | None) -> str | None:
    """Why no mail reaches a person, for ``accounts/_address.html``: ``"unconfirmed"``,
    ``"refused"`` (a mail server refused the address for good), or None when mail does."""
    if settings is None or settings.verified_at is None:
        return "unconfirmed"
    if settings.refused_at is not None:
        return "refused"
    return None


async def verified_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked (403 without it)."""
    try:
        await check_form(request)
    except CsrfError as error:
        _ = gettext_for(request)
        raise HTTPException(
            403, _("This form has expired or did not come from this site: load it again.")
        ) from error
    return await request.form()


def form_text(form: FormData, name: str, limit: int = 60_000) -> str:
    """A text field of a posted form ("" when absent), cut at ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def safe_next(value: str) -> str | None:
    """A local path to go on to after signing in, or None for anything else."""
    if value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return None


def redirect(request: Request, name: str, **params: Any) -> RedirectResponse:
    """A 303 to a named page (after a form post)."""
    path = str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))
    return RedirectResponse(str(request.scope.get("root_path", "")) + path, status_code=303)


def labels(_: Gettext) -> dict[str, dict[str, str]]:
    """The words for the model's names (kinds, roles, stages, outcomes, methods, the stages
    of an STV count)."""
    return {
        "council_kind": {
            CouncilKind.WORKPLACE: _("workplace council"),
            CouncilKind.FEDERATION: _("federation"),
            CouncilKind.UNION: _("union"),
            CouncilKind.CONGRESS: _("congress"),
        },
        "role": {
            Role.MEMBER: _("member"),
            Role.DELEGATE: _("delegate"),
            Role.CONVENOR: _("convenor"),
        },
        "kind": {
            ProposalKind.MOTION: _("motion"),
            ProposalKind.INVESTMENT: _("investment"),
            ProposalKind.TARGET_REVIEW: _("review of a target"),
            ProposalKind.APPOINTMENT: _("appointment"),
            ProposalKind.RECALL: _("recall"),
            ProposalKind.PLAN_ADOPTION: _("adoption of the plan"),
            ProposalKind.REDACTION: _("redaction"),
            ProposalKind.BUDGET: _("participatory budget"),
            ProposalKind.AFFILIATION: _("joining a federation"),
            ProposalKind.DISAFFILIATION: _("leaving a federation"),
        },
        "stage": {
            Stage.DRAFT: _("draft"),
            Stage.DISCUSSION: _("in discussion"),
            Stage.VOTING: _("voting open"),
            Stage.DECIDED: _("decided"),
        },
        "outcome": {Outcome.ADOPTED: _("adopted"), Outcome.REJECTED: _("rejected")},
        # The stages of an STV count, as the counting library names them.
        "stv_action": {
            "first preferences": _("first preferences"),
            "surplus": _("surplus"),
            "exclusion": _("exclusion"),
            "iteration": _("iteration"),
        },
        "method": {
            Method.SIMPLE_MAJORITY: _("a simple majority of the votes cast"),
            Method.ABSOLUTE_MAJORITY: _("a majority of all members"),
            Method.TWO_THIRDS: _("two thirds of the votes cast"),
            Method.CONSENSUS: _("consensus (a single block stops it)"),
            Method.RECALL: _("more than half of all members"),
            Method.STV: _("the single transferable vote (Scottish STV)"),
            Method.SCHULZE: _("ranked ballots counted by the Schulze method"),
            Method.APPROVAL: _("approval voting"),
            Method.EQUAL_SHARES: _("the Method of Equal Shares"),
        },
    }


def _share(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else "1"


def rule_in_words(rule: DecisionRule, _: Gettext, ngettext: NGettext) -> list[str]:
    """A decision rule as short sentences (``ngettext`` gives the hours their form)."""
    method = labels(_)["method"][rule.method]
    words = [_("Decided by %(method)s.") % {"method": method}]
    if rule.fallback is not None:
        words.append(
            _("Without consensus, %(share)s of the votes cast decide.")
            % {"share": _share(rule.fallback)}
        )
    if rule.quorum is None:
        words.append(_("No quorum."))
    else:
        words.append(
            _("Quorum: %(share)s of the members' votes must take part.")
            % {"share": _share(rule.quorum)}
        )
    if rule.discussion_hours:
        words.append(
            ngettext(
                "At least %(hours)s hour of discussion before the vote.",
                "At least %(hours)s hours of discussion before the vote.",
                rule.discussion_hours,
            )
            % {"hours": rule.discussion_hours}
        )
    else:
        words.append(_("The vote may open without discussion."))
    words.append(
        ngettext(
            "The vote lasts %(hours)s hour.", "The vote lasts %(hours)s hours.", rule.voting_hours
        )
        % {"hours": rule.voting_hours}
    )
    if rule.secret:
        words.append(_("Secret ballot, with a receipt for each voter."))
    elif rule.shows_live_tally:
        words.append(_("Open vote; the count is shown while voting."))
    else:
        words.append(_("Open vote; the count is hidden until the vote closes."))
    return words
