"""The planning cycle's pages and API over HTTP: anyone reads the cycle; a member of a
workplace council sees its target and contests it with a counter-proposal, which the
council then adopts by its vote; the engine replans with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rada.bootstrap import demo_economy
from rada.config import Settings
from rada.councils.cycle import Review
from rada.councils.orders import CouncilKind
from rada.planning.economy import Economy
from rada.services import accounts
from rada.services import councils as cs
from rada.services import planning_cycle as pc
from rada.services import proposals as ps
from rada.web.app import create_app

PASSWORD = "correct horse battery"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@dataclass
class World:
    app: FastAPI
    base: Economy
    cycle: int
    conv: int
    wanda: int
    manufacturing: int


@pytest.fixture(scope="module")
def base() -> Economy:
    return demo_economy(years=2)


@pytest.fixture
def world(tmp_path: Path, base: Economy) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}")
    app = create_app(settings, clock=lambda: NOW)
    before = NOW - timedelta(days=3)
    with TestClient(app):
        with app.state.api.uow() as uow:
            conv, wanda = (
                accounts.register(
                    uow, name=n.title(), email=f"{n}@plan.example", password=PASSWORD, now=before
                ).id
                for n in ("conv", "wanda")
            )
            congress = cs.create_council(
                uow,
                name="Congress",
                slug="congress",
                kind=CouncilKind.CONGRESS,
                founder_id=conv,
                now=before,
            )
            councils = {
                g: cs.create_council(
                    uow,
                    name=f"Workers of {g}",
                    slug=g,
                    kind=CouncilKind.WORKPLACE,
                    founder_id=wanda,
                    now=before,
                ).id
                for g in pc.product_groups(base)
            }
            cycle = pc.start_cycle(
                uow,
                congress=congress.id,
                economy=base,
                title="Plan 2027-28",
                workplaces=councils,
                by=conv,
                now=before,
            )
            state = pc.get_cycle(uow, cycle.id)
            state.points[conv] = {g: (100 if g == "health-and-care" else 0) for g in state.groups}
            uow.cycles.save(state)
            pc.close_priorities(uow, cycle_id=cycle.id, by=conv, now=before)
            pc.plan_round(uow, cycle_id=cycle.id, base=base, by=conv, now=before)
            uow.commit()
        yield World(app, base, cycle.id, conv, wanda, councils["manufacturing"])


def _signed_in(world: World, who: str) -> tuple[TestClient, str]:
    client = TestClient(world.app)
    form = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/sign-in").text)
    assert form is not None
    answer = client.post(
        "/sign-in",
        data={"email": f"{who}@plan.example", "password": PASSWORD, "csrf_token": form.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get(f"/cycles/{world.cycle}")
    found = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    assert found is not None
    return client, found.group(1)


def test_anyone_reads_the_cycle(world: World) -> None:
    client = TestClient(world.app)
    listing = client.get("/cycles")
    assert listing.status_code == 200
    assert "Plan 2027-28" in listing.text
    page = client.get(f"/cycles/{world.cycle}")
    assert page.status_code == 200
    assert "health-and-care" in page.text
    assert "Round 1" in page.text
    assert "Contest with these capacities" not in page.text  # signed out: no form
    api = client.get(f"/api/v1/cycles/{world.cycle}").json()
    assert api["stage"] == "review"
    assert api["weights"]["health-and-care"] == "1"
    assert len(api["rounds"][0]["fulfilment"]) == 2
    assert client.get("/cycles/999").status_code == 404
    czech = client.get(f"/cycles/{world.cycle}?lang=cs")
    assert "Priority" in czech.text


def test_a_member_contests_and_the_council_adopts_it(world: World) -> None:
    client, csrf = _signed_in(world, "wanda")
    page = client.get(f"/cycles/{world.cycle}")
    assert "Contest with these capacities" in page.text
    with world.app.state.api.uow() as uow:
        technique = sorted(pc.get_cycle(uow, world.cycle).workplace(world.manufacturing).capacity)[
            0
        ]

    def contest(capacity: str, reason: str, **options: Any) -> Any:
        """The manufacturing council's contest form, posted with this capacity and reason."""
        return client.post(
            f"/cycles/{world.cycle}/contest",
            data={
                "csrf_token": csrf,
                "council": str(world.manufacturing),
                "reason": reason,
                f"capacity-{technique}": capacity,
            },
            **options,
        )

    refused = contest("lots", "")
    assert refused.status_code == 400
    assert "Write a number" in refused.text
    assert "Say why" in refused.text
    # Past the bounds of every amount: stored, a 27-digit capacity left the proposal's page
    # answering 500 for good (no page could write it), and 1e-999999 was shown as 0.
    for beyond in ("1" + "0" * 26, "1e999999", "1e-999999"):
        refused = contest(beyond, "x")
        assert refused.status_code == 400, beyond
        assert "A capacity is at most 10^15, with at most 30 decimal places." in refused.text
    no_token = client.post(
        f"/cycles/{world.cycle}/contest",
        data={"council": str(world.manufacturing), "reason": "x", f"capacity-{technique}": "0.9"},
    )
    assert no_token.status_code == 403
    made = contest("0.9", "The line cannot run faster.", follow_redirects=False)
    assert made.status_code == 303
    proposal_id = int(made.headers["location"].rsplit("/", 1)[1])
    with world.app.state.api.uow() as uow:
        counter = ps.get_proposal(uow, proposal_id)
        assert counter.details["counter"] == {"capacity": {technique: "0.9"}}
        ps.open_voting(uow, proposal_id=proposal_id, by=world.wanda, now=NOW)
        ps.cast_vote(
            uow, proposal_id=proposal_id, by=world.wanda, choice={"position": "yes"}, now=NOW
        )
        ps.close_vote(uow, proposal_id=proposal_id, by=world.wanda, now=NOW)
        for council, review in pc.get_cycle(uow, world.cycle).current.reviews.items():
            ps.open_voting(uow, proposal_id=review, by=world.wanda, now=NOW)
            position = "no" if council == world.manufacturing else "yes"
            ps.cast_vote(
                uow, proposal_id=review, by=world.wanda, choice={"position": position}, now=NOW
            )
            ps.close_vote(uow, proposal_id=review, by=world.wanda, now=NOW)
        cycle = pc.advance(uow, cycle_id=world.cycle, base=world.base, by=world.conv, now=NOW)
        uow.commit()
    assert cycle.rounds[0].answers[world.manufacturing] is Review.CONTESTED
    page = TestClient(world.app).get(f"/cycles/{world.cycle}")
    assert "Round 2" in page.text
    assert f"{technique}: 0.9" in page.text


def _decide_all(
    world: World,
    *,
    except_council: int | None = None,
    only: int | None = None,
    position: str = "yes",
) -> None:
    with world.app.state.api.uow() as uow:
        for council, review in pc.get_cycle(uow, world.cycle).current.reviews.items():
            if council == except_council or only not in (None, council):
                continue
            ps.open_voting(uow, proposal_id=review, by=world.wanda, now=NOW)
            ps.cast_vote(
                uow, proposal_id=review, by=world.wanda, choice={"position": position}, now=NOW
            )
            ps.close_vote(uow, proposal_id=review, by=world.wanda, now=NOW)
        uow.commit()


def test_the_cycle_is_linked_from_the_navigation_and_the_councils(world: World) -> None:
    client = TestClient(world.app)
    home = client.get("/")
    assert 'href="/cycles"' in home.text
    for slug in ("congress", "manufacturing"):
        page = client.get(f"/councils/{slug}")
        assert f'href="/cycles/{world.cycle}"' in page.text, slug


def test_an_adopted_review_shows_at_once_and_the_form_goes(world: World) -> None:
    client, _csrf = _signed_in(world, "wanda")
    page = client.get(f"/cycles/{world.cycle}")
    assert f'id="answer-{world.manufacturing}">pending<' in page.text
    _decide_all(world)
    page = client.get(f"/cycles/{world.cycle}")
    assert f'id="answer-{world.manufacturing}">accepted<' in page.text
    assert "Contest with these capacities" not in page.text
    assert "Your council has accepted this round" in page.text
    api = client.get(f"/api/v1/cycles/{world.cycle}").json()
    assert set(api["rounds"][0]["answers"].values()) == {"accepted"}
    refused = client.post(
        f"/cycles/{world.cycle}/contest",
        data={
            "csrf_token": _csrf,
            "council": str(world.manufacturing),
            "reason": "Too late.",
            "capacity-10-1": "0.9",
        },
    )
    assert refused.status_code == 409


def test_the_convenor_replans_and_puts_the_plan_to_the_vote(world: World) -> None:
    wanda, _ = _signed_in(world, "wanda")
    assert 'id="controls"' not in wanda.get(f"/cycles/{world.cycle}").text
    client, csrf = _signed_in(world, "conv")
    page = client.get(f"/cycles/{world.cycle}")
    assert 'id="controls"' in page.text
    # Nothing decided yet: both steps are shown disabled, with the reason.
    assert re.search(r'id="step-replan-why">Not yet: 20 councils have not decided', page.text)
    assert re.search(
        r'<button type="submit" disabled aria-describedby="step-replan-why">', page.text
    )
    early = client.post(f"/cycles/{world.cycle}/replan", data={"csrf_token": csrf})
    assert early.status_code == 409
    assert "20 councils have not decided on their targets" in early.text
    assert client.post(f"/cycles/{world.cycle}/replan", data={}).status_code == 403
    # Every council but manufacturing accepts; manufacturing rejects: replan.
    _decide_all(world, except_council=world.manufacturing)
    _decide_all(world, only=world.manufacturing, position="no")
    page = client.get(f"/cycles/{world.cycle}")
    assert "1 council contested its target: replan first" in page.text
    made = client.post(
        f"/cycles/{world.cycle}/replan", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    page = client.get(f"/cycles/{world.cycle}")
    assert "Round 2" in page.text
    assert 'id="certificate-2"' in page.text
    # Everyone accepts round 2: the plan goes to the congress's vote.
    _decide_all(world)
    page = client.get(f"/cycles/{world.cycle}")
    assert "every target was accepted: put the plan to the congress" in page.text
    unconfirmed = client.post(f"/cycles/{world.cycle}/put-to-vote", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 400
    put = client.post(
        f"/cycles/{world.cycle}/put-to-vote",
        data={"csrf_token": csrf, "confirm": "yes"},
        follow_redirects=False,
    )
    assert put.status_code == 303, put.text
    page = client.get(f"/cycles/{world.cycle}")
    assert "adoption" in page.text
    assert "vote on adopting the plan" in page.text
    assert "the congress has not decided on the plan yet" in page.text


def test_the_cycle_page_sets_its_plan_beside_the_plan_pages(world: World) -> None:
    page = TestClient(world.app).get(f"/cycles/{world.cycle}")
    assert 'id="compare-table"' in page.text
    assert 'id="certificate-1"' in page.text
    with world.app.state.api.uow() as uow:
        cycle = pc.get_cycle(uow, world.cycle)
        body = pc.round_entry(uow, cycle.current)
    assert body is not None
    # The round's proof is on the record, and the page says how anyone can check it.
    assert body["proof"] is not None
    said = re.search(r'<p class="hint" id="proof-1">(.*?)</p>', page.text, re.S)
    assert said is not None
    assert f"in entry {cycle.current.record_index}:" in said.group(1)
    assert f"<code>rada record replay-cycle {world.cycle}</code>" in said.group(1)
    found = pc.compare_round(world.base, cycle, body["inputs"])
    assert found.cycle == pytest.approx([float(f) for f in cycle.current.fulfilment])
    rows = re.findall(
        r"<tr><th scope=\"row\">(\d)</th><td>([\d.]+)%</td><td>([\d.]+)%</td>", page.text
    )
    assert [int(r[0]) for r in rows] == [1, 2]
    for (_, shown_base, shown_cycle), b, c in zip(rows, found.base, found.cycle, strict=True):
        assert float(shown_base) == pytest.approx(100 * b, abs=0.06)
        assert float(shown_cycle) == pytest.approx(100 * c, abs=0.06)
    czech = TestClient(world.app).get(f"/cycles/{world.cycle}?lang=cs")
    assert "Tento plán vedle plánu ze stránky Plán" in czech.text
    assert "tyto meze může kdokoli ověřit bez řešiče" in czech.text
