"""Search finds what is public, by words without case or diacritics, ranked and highlighted;
a redacted post is found no more, and no query a reader types breaks it (memory, SQLite and
PostgreSQL alike, see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import SearchQuery, UnitOfWork
from rada.services.searching import (
    MAX_QUERY_LENGTH,
    BadQuery,
    parse_query,
    search,
    snippet,
)

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
Factory = Callable[[], UnitOfWork]


def _world(uow_factory: Factory) -> dict[str, int]:
    with uow_factory() as uow:
        people = [
            accounts.register(
                uow, name=name, email=f"{name}@pekarna.coop", password="long enough pw", now=T0
            ).id
            for name in ("ana", "bo", "cy")
        ]
        bakery = cs.create_council(
            uow, name="Pekárna Sever", slug="pekarna", kind=CouncilKind.WORKPLACE,
            founder_id=people[0], now=T0, description="Chléb a rohlíky pro celé město",
        )  # fmt: skip
        for name, person in zip(("bo", "cy"), people[1:], strict=True):
            issued = cs.invite(
                uow, council=bakery.id, email=f"{name}@pekarna.coop", by=people[0], now=T0
            )
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        oven = ps.open_proposal(
            uow, council=bakery.id, kind=ProposalKind.MOTION, title="Druhá pec",
            text="Přehled nákladů na druhou pec a její údržbu.", by=people[1], now=T0,
        )  # fmt: skip
        post = discussion.write_post(
            uow, proposal_id=oven.id, text="Cy's phone is 0800 123; the oven is too small",
            by=people[1], now=T0,
        )  # fmt: skip
        uow.commit()
    return {"ana": people[0], "bo": people[1], "cy": people[2], "bakery": bakery.id,
            "oven": oven.id, "post": post.id}  # fmt: skip


def _found(uow: UnitOfWork, text: str, **kw: int) -> list[tuple[str, int]]:
    return [(h.kind, h.ref) for h in search(uow, text, **kw).hits]


def test_search_finds_proposals_posts_and_councils_without_diacritics(
    uow_factory: Factory,
) -> None:
    w = _world(uow_factory)
    with uow_factory() as uow:
        assert _found(uow, "prehled") == [("proposal", w["oven"])]
        assert _found(uow, "PŘEHLED nákladů") == [("proposal", w["oven"])]
        assert _found(uow, "rohliky") == [("council", w["bakery"])]
        assert _found(uow, "oven small") == [("post", w["post"])]
        # The last word may be unfinished.
        assert _found(uow, "udrz") == [("proposal", w["oven"])]
        assert _found(uow, "nothing here") == []
        assert _found(uow, "pec", council=w["bakery"]) == [("proposal", w["oven"])]
        assert _found(uow, "pec", council=w["bakery"] + 100) == []


def test_every_store_folds_words_alike(uow_factory: Factory) -> None:
    """Ligatures pasted from a PDF, superscripts and diacritics: found by their plain forms."""
    w = _world(uow_factory)
    with uow_factory() as uow:
        post = discussion.write_post(
            uow, proposal_id=w["oven"], text="The ﬁnance plan costs 10² crowns; ÚČTY ověřeny",
            by=w["bo"], now=T0,
        )  # fmt: skip
        uow.commit()
    with uow_factory() as uow:
        for query in ("finance", "ﬁnance", "102", "ucty overeny", "ÚČTY"):
            assert _found(uow, query) == [("post", post.id)], query
        (hit,) = search(uow, "finance").hits
        assert ("ﬁnance", True) in hit.snippet


def test_a_hit_is_highlighted_and_names_its_proposal(uow_factory: Factory) -> None:
    w = _world(uow_factory)
    with uow_factory() as uow:
        (hit,) = search(uow, "prehled").hits
        assert ("Přehled", True) in hit.snippet
        assert "".join(t for t, _ in hit.snippet) == "Přehled nákladů na druhou pec a její údržbu."
        (post,) = search(uow, "small").hits
        assert post.proposal == w["oven"]
        assert post.title == "Druhá pec"
        assert post.council == w["bakery"]


def test_the_title_ranks_above_the_text_and_pages_follow(uow_factory: Factory) -> None:
    w = _world(uow_factory)
    with uow_factory() as uow:
        for n in range(3):
            discussion.write_post(
                uow, proposal_id=w["oven"], text=f"pec číslo {n}", by=w["cy"], now=T0
            )
        uow.commit()
    with uow_factory() as uow:
        first = search(uow, "pec", limit=2)
        assert first.hits[0].kind == "proposal"  # "pec" is in its title
        assert first.has_more
        rest = search(uow, "pec", limit=2, offset=2)
        assert not rest.has_more
        seen = [(h.kind, h.ref) for h in first.hits + rest.hits]
        assert len(seen) == len(set(seen)) == 4


def test_an_edit_replaces_what_is_found(uow_factory: Factory) -> None:
    w = _world(uow_factory)
    with uow_factory() as uow:
        discussion.edit_post(uow, post_id=w["post"], text="a bigger kiln", by=w["bo"], now=T0)
        uow.commit()
    with uow_factory() as uow:
        assert _found(uow, "small") == []
        assert _found(uow, "kiln") == [("post", w["post"])]


def test_a_redacted_post_is_no_longer_found(uow_factory: Factory) -> None:
    w = _world(uow_factory)
    with uow_factory() as uow:
        post = uow.posts.get(w["post"])
        assert post is not None
        redaction = ps.open_proposal(
            uow, council=w["bakery"], kind=ProposalKind.REDACTION, title="Remove a number",
            text="It is personal data.", by=w["cy"], now=T0,
            details={"entry": post.versions[0].record_index, "reason": "personal data"},
        )  # fmt: skip
        at = T0 + timedelta(hours=48)
        ps.open_voting(uow, proposal_id=redaction.id, by=w["ana"], now=at)
        for person in (w["ana"], w["bo"], w["cy"]):
            ps.cast_vote(
                uow, proposal_id=redaction.id, by=person, choice={"position": "yes"}, now=at
            )
        ps.close_vote(uow, proposal_id=redaction.id, by=None, now=at)
        uow.commit()
    with uow_factory() as uow:
        assert _found(uow, "0800") == []
        assert _found(uow, "phone") == []
        # The decision that ordered it is found, by its summary.
        assert ("decision", redaction.id) in _found(uow, "adopted")


def test_nothing_secret_is_indexed(uow_factory: Factory) -> None:
    _world(uow_factory)
    with uow_factory() as uow:
        assert _found(uow, "pekarna coop") == []  # e-mail addresses
        assert _found(uow, "ana") == []  # names of people are not documents


def test_empty_and_overlong_queries_are_refused_clearly(uow_factory: Factory) -> None:
    _world(uow_factory)
    with uow_factory() as uow:
        for empty in ("", "   ", '"*"', "&|:()"):
            with pytest.raises(BadQuery, match="no word"):
                search(uow, empty)
        with pytest.raises(BadQuery, match="at most 200"):
            search(uow, "a" * (MAX_QUERY_LENGTH + 1))
        with pytest.raises(BadQuery, match="at most 12"):
            search(uow, " ".join(f"w{n}" for n in range(13)))
        with pytest.raises(BadQuery, match="from 1 to 50"):
            search(uow, "pec", limit=0)
        with pytest.raises(BadQuery, match="up to hit"):
            search(uow, "pec", offset=10**6)


HOSTILE = st.text(
    alphabet=st.sampled_from(list("\"'*:&|!()-+^NEARORANDNOT{}[]\\/ \x00\tpecř0é_%;")),
    max_size=60,
) | st.sampled_from(
    ['NEAR(pec oven, 2)', 'pec*', '"pec', "pec:*", "title:pec", "pec & !oven", "'; DROP--",
     "\x00pec", "pec | oven", "^pec", "pec AND OR NOT", "*", "ř" * 200]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=HOSTILE)
def test_hostile_queries_give_results_or_a_clear_refusal(uow_factory: Factory, text: str) -> None:
    with uow_factory() as uow:
        try:
            results = search(uow, text)
        except BadQuery as error:
            refusal = str(error)
        else:
            refusal = "the search has no word to look for"  # a refusal it would have given
            assert not results.has_more or results.hits
        assert refusal.startswith("the search")


def test_a_query_is_words_only() -> None:
    assert parse_query('NEAR("pec" oven*, 2) title:x').terms == ("near", "pec", "oven", "2",
                                                                 "title", "x")  # fmt: skip
    assert parse_query("Pec pec PEC").terms == ("pec",)
    query = SearchQuery(("oven",))
    assert snippet("", query) == ()
    long = "word " * 100 + "the oven is here " + "word " * 100
    cut = snippet(long, query)
    assert cut[0] == ("…", False)
    assert cut[-1] == ("…", False)
    assert ("oven", True) in cut
    assert sum(len(t) for t, _ in cut) < 230


class _Untouchable:
    """A unit of work whose every repository refuses to be read: what a vote must not use."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"indexing a vote read uow.{name}")


def test_votes_and_ballots_cost_the_index_nothing() -> None:
    from rada.councils import events as ev
    from rada.services.indexing import index_events

    cast = ev.VoteCast(council=1, at=T0, by=2, proposal=3, weight=1, choice={"position": "yes"})
    took = ev.TookPart(council=1, at=T0, by=2, proposal=3)
    index_events(_Untouchable(), [cast, took] * 100, range(200))  # type: ignore[arg-type]
