"""A vote can be changed while voting is open: ``votes.version``, ``secret_ballots.replaced``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

An open vote is changed by casting the next version of it, a row of its own: the primary key
becomes (proposal, voter, version), every earlier version stays as it was (the keep-rules
still refuse rewriting a row), and only a voter's latest version counts. A secret ballot is
replaced through its receipt: the old row's ``replaced`` is set, once (the keep-rules allow
exactly that), and the new ballot is a row of its own. Votes cast before this revision are
version 1; every ballot stored before it is current.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import install_keep_rules

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def _drop_update_rules(bind: sa.engine.Connection) -> None:
    # The keep-rules read the columns: drop them before the tables change, write them again
    # from the new columns after (on SQLite a batch copy drops a table's triggers anyway).
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS votes_keep_update ON votes")
        op.execute("DROP TRIGGER IF EXISTS secret_ballots_keep_update ON secret_ballots")


def upgrade() -> None:
    """Add the columns, widen the votes' key to the version, install the keep-rules again."""
    bind = op.get_bind()
    _drop_update_rules(bind)
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.drop_constraint("uq_votes_one_per_voter", type_="primary")
        batch.create_primary_key("pk_votes_one_per_version", ["proposal_id", "voter_id", "version"])
        batch.create_check_constraint("ck_votes_version", "version >= 1")
    # A plain ADD COLUMN, not a batch copy: the table is WITHOUT ROWID on SQLite, which a
    # copy would not keep.
    op.add_column("secret_ballots", sa.Column("replaced", sa.Boolean(), nullable=True))
    install_keep_rules(bind)


def downgrade() -> None:
    """Keep each voter's latest version only and every current ballot; drop the columns."""
    bind = op.get_bind()
    _drop_update_rules(bind)
    for name in ("votes", "secret_ballots"):
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name}_keep_no_delete ON {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_keep_no_delete")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_keep_update")
    op.execute(
        "DELETE FROM votes WHERE version < (SELECT max(v.version) FROM votes v "
        "WHERE v.proposal_id = votes.proposal_id AND v.voter_id = votes.voter_id)"
    )
    op.execute("DELETE FROM secret_ballots WHERE replaced")
    with op.batch_alter_table("votes") as batch:
        batch.drop_constraint("ck_votes_version", type_="check")
        batch.drop_constraint("pk_votes_one_per_version", type_="primary")
        batch.create_primary_key("uq_votes_one_per_voter", ["proposal_id", "voter_id"])
        batch.drop_column("version")
    if bind.dialect.name == "postgresql":
        op.drop_column("secret_ballots", "replaced")
    else:
        op.execute("ALTER TABLE secret_ballots DROP COLUMN replaced")
    install_keep_rules(bind)
