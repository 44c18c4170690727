"""Nobody deletes a post, a vote or a proposal through any path: the database refuses it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.integration.store.world import NOW, council, election, motion, person

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.proposals import Post, Version
from rada.store.database import Database

KEPT = "nothing said or decided in a council is deleted or rewritten"


@pytest.fixture
def filled(database: Database) -> Database:
    """A proposal with a post of two versions, an open vote and a secret ballot."""
    with database.unit_of_work() as uow:
        ana, bakery = person(uow), council(uow)
        proposal = motion(uow, bakery, ana.id)
        post = uow.posts.add(Post(proposal.id, ana.id, NOW, [Version(1, "first", NOW)]))
        post.write("second", by=ana.id, now=NOW)
        uow.posts.save(post)
        uow.votes.add(Vote(proposal.id, ana.id, {"position": "yes"}, 1, NOW))
        secret = election(uow, bakery, ana.id, ana.id)
        uow.ballots.add(
            SecretBallot(secret.id, "a" * 64, {"ranking": ["p1"]}, 1),
            Participation(secret.id, ana.id, NOW),
        )
        uow.commit()
    return database


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM posts",
        "DELETE FROM post_versions WHERE number = 2",
        "DELETE FROM proposal_versions",
        "DELETE FROM proposals",
        "DELETE FROM votes",
        "DELETE FROM secret_ballots",
        "DELETE FROM participations",
        "UPDATE post_versions SET text = 'rewritten' WHERE number = 1",
        "UPDATE post_versions SET text = ''",
        "UPDATE post_versions SET number = number + 10",
        "UPDATE post_versions SET written_at = NULL",
        "UPDATE proposal_versions SET text = 'rewritten'",
        "UPDATE posts SET author_id = author_id + 1",
        'UPDATE votes SET choice = \'{"position":"no"}\'',
        "UPDATE secret_ballots SET weight = 5",
        "UPDATE participations SET voter_id = voter_id + 1",
    ],
)
def test_the_database_refuses_to_delete_or_rewrite(filled: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match=KEPT), filled.engine.begin() as conn:
        conn.execute(text(statement))


def test_a_redaction_may_empty_a_version_once(filled: Database) -> None:
    with filled.engine.begin() as conn:
        conn.execute(text("UPDATE post_versions SET text = '', redacted_by = 1 WHERE number = 1"))
    for undo in ("redacted_by = 2", "redacted_by = NULL", "text = 'back'"):
        with pytest.raises(DBAPIError, match=KEPT), filled.engine.begin() as conn:
            conn.execute(text(f"UPDATE post_versions SET {undo} WHERE number = 1"))
    with pytest.raises(DBAPIError), filled.engine.begin() as conn:
        # A tombstone is empty: a "redaction" that keeps the text is no redaction.
        conn.execute(text("UPDATE post_versions SET redacted_by = 1 WHERE number = 2"))


def test_a_record_index_is_set_once(filled: Database) -> None:
    with filled.engine.begin() as conn:
        conn.execute(text("UPDATE votes SET record_index = 3"))
    with pytest.raises(DBAPIError, match=KEPT), filled.engine.begin() as conn:
        conn.execute(text("UPDATE votes SET record_index = 4"))


def test_the_repository_cannot_rewrite_a_stored_version_either(filled: Database) -> None:
    with filled.unit_of_work() as uow:
        (post,) = uow.posts.for_proposal(1)
        post.versions[0] = replace(post.versions[0], text="what I never said")
        with pytest.raises(DBAPIError, match=KEPT):
            uow.posts.save(post)
