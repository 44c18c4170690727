"""API tokens: a person lists their own and revokes them; a revoked token signs no one in.

These run on the in-memory unit of work and on the real databases (see conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.test_councils_services import T0, World, world  # the world fixture, shared

from rada.councils.errors import CouncilError, NotFound
from rada.councils.text import Message
from rada.services import accounts

__all__ = ["world"]

LATER = T0 + timedelta(hours=1)
REVOKED = T0 + timedelta(hours=2)


def _issue(world: World, person: int, name: str, at: timedelta = timedelta()) -> str:
    with world() as uow:
        token = accounts.issue_token(uow, person_id=person, name=name, now=T0 + at)
        uow.commit()
    return token


def test_a_person_lists_their_own_tokens_newest_first_without_the_tokens(world: World) -> None:
    laptop = _issue(world, world.bo, "laptop")
    phone = _issue(world, world.bo, "phone", timedelta(hours=1))
    _issue(world, world.cy, "cy's script")
    with world() as uow:
        listed = accounts.list_tokens(uow, world.bo)
        assert [(t.id, t.name, t.created_at, t.revoked_at) for t in listed] == [
            (accounts.token_id(phone), "phone", LATER, None),
            (accounts.token_id(laptop), "laptop", T0, None),
        ]
        assert all(t.active for t in listed)
        # The id is the hash's start: neither the token nor its whole hash.
        assert listed[1].id == accounts.token_hash(laptop)[:12]
        assert len(listed[1].id) == 12
        assert laptop not in repr(listed)
        assert accounts.token_hash(laptop) not in repr(listed)
        assert [t.name for t in accounts.list_tokens(uow, world.cy)] == ["cy's script"]
        assert accounts.list_tokens(uow, world.dan) == []


def test_a_revoked_token_signs_no_one_in_and_stays_listed(world: World) -> None:
    leaked = _issue(world, world.bo, "leaked")
    kept = _issue(world, world.bo, "kept", timedelta(hours=1))
    cys = _issue(world, world.cy, "cy")
    with world() as uow:
        revoked = accounts.revoke_token(
            uow, person_id=world.bo, token_id=accounts.token_id(leaked), now=REVOKED
        )
        assert revoked.id == accounts.token_id(leaked)
        assert revoked.name == "leaked"
        assert revoked.revoked_at == REVOKED
        assert not revoked.active
        uow.commit()
    with world() as uow:
        assert accounts.token_person(uow, leaked) is None
        still = accounts.token_person(uow, kept)
        assert still is not None
        assert still.id == world.bo
        # The votes' lookup, many tokens in one query: the revoked one is left out.
        assert accounts.token_people_ids(uow, [leaked, kept, cys]) == {
            kept: world.bo,
            cys: world.cy,
        }
        assert [(t.name, t.revoked_at) for t in accounts.list_tokens(uow, world.bo)] == [
            ("kept", None),
            ("leaked", REVOKED),
        ]


def test_revoking_a_revoked_token_again_changes_nothing(world: World) -> None:
    token = _issue(world, world.bo, "script")
    token_id = accounts.token_id(token)
    with world() as uow:
        accounts.revoke_token(uow, person_id=world.bo, token_id=token_id, now=REVOKED)
        uow.commit()
    with world() as uow:
        again = accounts.revoke_token(
            uow, person_id=world.bo, token_id=token_id, now=REVOKED + timedelta(days=1)
        )
        uow.commit()
    assert again.revoked_at == REVOKED
    with world() as uow:
        assert [t.revoked_at for t in accounts.list_tokens(uow, world.bo)] == [REVOKED]
        assert accounts.token_person(uow, token) is None


def test_nobody_revokes_anyone_elses_token(world: World) -> None:
    bos = _issue(world, world.bo, "bo's")
    with world() as uow:
        with pytest.raises(NotFound) as refused:
            accounts.revoke_token(
                uow, person_id=world.ana, token_id=accounts.token_id(bos), now=REVOKED
            )
        uow.commit()
    assert isinstance(refused.value.message, Message)
    assert str(refused.value) == f"you have no API token {accounts.token_id(bos)!r}"
    assert refused.value.hint
    with world() as uow:
        owner = accounts.token_person(uow, bos)
        assert owner is not None
        assert owner.id == world.bo
        assert [t.revoked_at for t in accounts.list_tokens(uow, world.bo)] == [None]
        assert accounts.list_tokens(uow, world.ana) == []


@pytest.mark.parametrize(
    "token_id",
    ["", "0", "0123456789ab", "0123456789abcd", "ABCDEF012345", "%", "____________"],
)
def test_an_unknown_or_malformed_id_is_not_found_and_revokes_nothing(
    world: World, token_id: str
) -> None:
    token = _issue(world, world.bo, "script")
    # An id of digits alone (about 1 in 280) has no capitals: issue until one has a letter.
    while accounts.token_id(token).upper() == accounts.token_id(token):
        token = _issue(world, world.bo, "script")
    with world() as uow:
        with pytest.raises(NotFound):
            accounts.revoke_token(uow, person_id=world.bo, token_id=token_id, now=REVOKED)
        # Nor does a part of the id, or the id in capitals.
        for part in (accounts.token_id(token)[:6], accounts.token_id(token).upper()):
            with pytest.raises(NotFound):
                accounts.revoke_token(uow, person_id=world.bo, token_id=part, now=REVOKED)
        uow.commit()
    with world() as uow:
        assert accounts.token_person(uow, token) is not None


def test_a_revocation_rolled_back_leaves_the_token_valid(world: World) -> None:
    token = _issue(world, world.bo, "script")
    with world() as uow:
        accounts.revoke_token(
            uow, person_id=world.bo, token_id=accounts.token_id(token), now=REVOKED
        )
        assert accounts.token_person(uow, token) is None  # in its own transaction: at once
    with world() as uow:
        assert accounts.token_person(uow, token) is not None


def test_a_token_name_longer_than_the_store_keeps_is_refused(world: World) -> None:
    with world() as uow:
        with pytest.raises(CouncilError, match="121 characters long; at most 120"):
            accounts.issue_token(uow, person_id=world.bo, name="x" * 121, now=T0)
        accounts.issue_token(uow, person_id=world.bo, name="x" * 120, now=T0)
        uow.commit()
    with world() as uow:
        assert [t.name for t in accounts.list_tokens(uow, world.bo)] == ["x" * 120]
