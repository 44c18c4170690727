"""The demo's accounts have confirmed addresses, so its notices show as mail in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from rada.bootstrap import demo_economy
from rada.demo.federation import build
from rada.store.memory import MemoryUnitOfWork


def test_the_demo_s_people_are_confirmed_and_hear_of_things_by_mail() -> None:
    with MemoryUnitOfWork() as uow:
        demo = build(uow, demo_economy(), now=datetime(2026, 3, 10, 12, tzinfo=UTC))
        people = sorted(demo.emails)
        settings = uow.settings.of_people(people)
        assert set(settings) == set(people)
        assert all(s.mailable for s in settings.values())
        mails = [m for m, _sent, _error in uow.outbox.recent(limit=10_000)]
        assert any(m.purpose.startswith("notice/") for m in mails)
        assert not [m for m in mails if m.purpose == "verify"]  # nobody is asked to confirm
