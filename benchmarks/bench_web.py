"""Server time of the plan and record pages: how long the app takes to answer each request.

Target (issue 6): every page renders in under 2 s. The app runs in this process (FastAPI's
TestClient, no network), on a fresh data directory whose record holds ``--entries`` entries
(built once per run, not timed) with a checkpoint. The first plan request includes solving and
explaining the UK 2010 plan (once per app); the other figures are medians of ``--runs``
requests after it. The record's text search that matches nothing reads at most the page's
scan limit of entries (50,000, the default record size): that is its worst case.

The council pages are measured on a council of ``--members`` members holding
``--proposals`` proposals (made through the use cases, not timed): the council page, a motion
in discussion with 30 posts and replies, a counted participatory budget (the Equal Shares
steps, table and chart data) and a counted STV election of two seats. Target: under 300 ms.

    python benchmarks/bench_web.py --runs 20 --entries 50000 --proposals 100
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from _measure import fill_record, machine, median, peak_rss_gib, timed


def _council(app: object, members: int, proposals: int) -> dict[str, int]:
    """A council with ``members`` members and ``proposals`` proposals; the ids of the pages
    measured."""
    from datetime import timedelta

    from rada.councils.orders import CouncilKind, ProposalKind
    from rada.services import accounts, discussion
    from rada.services import councils as cs
    from rada.services import proposals as ps

    start = datetime(2026, 1, 1, tzinfo=UTC)
    at = [start]

    def tick() -> datetime:
        at[0] += timedelta(minutes=1)
        return at[0]

    with app.state.api.uow() as uow:  # type: ignore[attr-defined]
        people = [
            accounts.register(
                uow,
                name=f"Member {n}",
                email=f"m{n}@bench.example",
                password="correct horse battery",
                now=start,
            ).id
            for n in range(members)
        ]
        council = cs.create_council(
            uow,
            name="Bench works",
            slug="bench",
            kind=CouncilKind.WORKPLACE,
            founder_id=people[0],
            now=start,
        )
        for n, person in enumerate(people[1:], start=1):
            issued = cs.invite(
                uow, council=council.id, email=f"m{n}@bench.example", by=people[0], now=start
            )
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=start)
        ids: dict[str, int] = {}
        for n in range(proposals - 3):
            motion = ps.open_proposal(
                uow,
                council=council.id,
                kind=ProposalKind.MOTION,
                title=f"Motion {n}",
                text=f"The text of motion {n}.",
                by=people[n % members],
                now=tick(),
            )
            ids.setdefault("motion", motion.id)
        talk = ids["motion"]
        previous = None
        for n in range(30):
            post = discussion.write_post(
                uow,
                proposal_id=talk,
                text=f"Post {n}: " + "words " * 40,
                by=people[n % members],
                now=tick(),
                reply_to=previous if n % 3 else None,
            )
            previous = post.id
        budget = ps.open_proposal(
            uow,
            council=council.id,
            kind=ProposalKind.BUDGET,
            title="Budget",
            text="Share it out.",
            by=people[0],
            now=tick(),
            details={"budget": "10000"},
            projects=[
                {"key": f"p{n}", "label": f"Project {n}", "cost": str(500 + 137 * n)}
                for n in range(15)
            ],
        )
        election = ps.open_proposal(
            uow,
            council=council.id,
            kind=ProposalKind.APPOINTMENT,
            title="Election",
            text="Two seats.",
            by=people[0],
            now=tick(),
            details={"post": "manager"},
            candidates=people[:6],
            seats=2,
        )
        later = at[0] + timedelta(days=3)
        ps.open_voting(uow, proposal_id=budget.id, by=people[0], now=later)
        ps.open_voting(uow, proposal_id=election.id, by=people[0], now=later)
        keys = [o.key for o in election.options]
        for n, person in enumerate(people):
            approve = [f"p{(n + k) % 15}" for k in range(1 + n % 5)]
            ps.cast_vote(
                uow, proposal_id=budget.id, by=person, choice={"approve": approve}, now=later
            )
            ranking = keys[n % 6 :] + keys[: n % 6]
            ps.cast_vote(
                uow,
                proposal_id=election.id,
                by=person,
                choice={"ranking": ranking[: 2 + n % 4]},
                now=later,
            )
        ps.close_vote(uow, proposal_id=budget.id, by=people[0], now=later)
        ps.close_vote(uow, proposal_id=election.id, by=people[0], now=later)
        uow.commit()
    return {"talk": talk, "budget": budget.id, "election": election.id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--proposals", type=int, default=100)
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args()
    with warnings.catch_warnings():
        # Starlette's TestClient warns about its own httpx dependency; not our concern here.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="rada-bench-web-") as folder:
        data_dir = Path(folder)
        fill_record(data_dir, args.entries, origin="bench.example/rada")
        # No self-audit meanwhile: the pages are what is measured.
        app = create_app(Settings(data_dir=data_dir, database_url="", audit_interval_seconds=0))
        html = {"accept": "text/html"}
        with TestClient(app) as client:
            first, response = timed(lambda: client.get("/plan", headers=html))
            assert response.status_code == 200, response.text
            print(f"  plan page, first request (solves the plan): {first:.3f} s", flush=True)
            council = _council(app, args.members, args.proposals)
            pages = {
                f"council page ({args.proposals} proposals)": "/councils/bench",
                "proposal page, motion with 30 posts": f"/proposals/{council['talk']}",
                "proposal page, counted budget": f"/proposals/{council['budget']}",
                "proposal page, counted STV election": f"/proposals/{council['election']}",
                "plan page": "/plan",
                "plan search (htmx fragment)": "/plan/products?q=fish",
                "product page": "/plan/products/01",
                "record page": "/record",
                "record page, older entries": f"/record?before={args.entries // 2}",
                "record text search, no match": "/record?q=nothing-matches-this",
                "inclusion proof (JSON)": f"/record/entries/{args.entries // 3}/proof",
            }
            worst = first
            for name, url in pages.items():
                times = []
                for _ in range(args.runs):
                    seconds, response = timed(lambda u=url: client.get(u, headers=html))
                    assert response.status_code == 200, (url, response.status_code)
                    times.append(seconds)
                worst = max(worst, max(times))
                print(
                    f"  {name}: median {median(times) * 1000:.1f} ms, "
                    f"slowest {max(times) * 1000:.1f} ms ({url})",
                    flush=True,
                )
    print(
        f"web pages, record of {args.entries} entries: slowest request {worst:.3f} s "
        f"(first plan request {first:.3f} s); target 2 s; peak memory {peak_rss_gib():.2f} GiB; "
        f"{machine()}"
    )


if __name__ == "__main__":
    main()
