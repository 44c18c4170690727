"""The councils and the public record: every table, and the rules that keep what was said.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

The record's tables are created only where missing: a database made by an earlier Rada (the
record alone, by ``RecordRepository.create_schema``) is adopted as it is. The record's
append-only triggers and the councils' keep-rules (no DELETE of speech, votes or proposals;
a version's text changes only into a redaction's tombstone) are installed on PostgreSQL and
SQLite alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import install_keep_rules
from rada.store.record_tables import install_append_only_rules

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table, then the triggers."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table("record_checkpoints"):
        op.create_table(
            "record_checkpoints",
            sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("root", sa.LargeBinary(length=32), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("size"),
        )
    if not inspector.has_table("record_entries"):
        op.create_table(
            "record_entries",
            sa.Column(
                "idx",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=False,
                nullable=False,
            ),
            sa.Column("content", sa.LargeBinary(), nullable=False),
            sa.Column("redacted_by", sa.BigInteger(), nullable=True),
            sa.PrimaryKeyConstraint("idx"),
        )
    if not inspector.has_table("record_nodes"):
        op.create_table(
            "record_nodes",
            sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
            sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
            sa.PrimaryKeyConstraint("level", "idx"),
            sqlite_with_rowid=False,
        )
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("orders", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "affiliations",
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("delegates", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint("federation_id <> member_id", name="ck_affiliations_not_itself"),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["councils.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["councils.id"],
        ),
        sa.PrimaryKeyConstraint("federation_id", "member_id"),
    )
    op.create_index("ix_affiliations_member_id", "affiliations", ["member_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_person_id", "api_tokens", ["person_id"], unique=False)

    op.create_table(
        "credentials",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("delegate_of", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
        ),
        sa.ForeignKeyConstraint(
            ["delegate_of"],
            ["councils.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_memberships_council_id", "memberships", ["council_id"], unique=False)
    op.create_index("ix_memberships_person_id", "memberships", ["person_id"], unique=False)
    op.create_index(
        "uq_memberships_active",
        "memberships",
        ["council_id", "person_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("discussion_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_proposals_council_id_stage", "proposals", ["council_id", "stage"], unique=False
    )

    op.create_table(
        "offices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointed_by", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointed_by"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_offices_council_id", "offices", ["council_id"], unique=False)

    op.create_table(
        "participations",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("proposal_id", "voter_id", name="uq_participations_one_per_voter"),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["posts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_posts_proposal_id", "posts", ["proposal_id"], unique=False)

    op.create_table(
        "proposal_versions",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.Column("redacted_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "redacted_by IS NULL OR text = ''", name="ck_proposal_versions_redacted_text_is_empty"
        ),
        sa.CheckConstraint("number >= 1", name="ck_proposal_versions_number"),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["redacted_by"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("proposal_id", "number"),
        sa.UniqueConstraint("record_index", name="uq_proposal_versions_record_index"),
    )
    op.create_table(
        "secret_ballots",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("proposal_id", "receipt_hash"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "votes",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("proposal_id", "voter_id", name="uq_votes_one_per_voter"),
    )
    op.create_table(
        "post_versions",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.Column("redacted_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "redacted_by IS NULL OR text = ''", name="ck_post_versions_redacted_text_is_empty"
        ),
        sa.CheckConstraint("number >= 1", name="ck_post_versions_number"),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["redacted_by"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("post_id", "number"),
        sa.UniqueConstraint("record_index", name="uq_post_versions_record_index"),
    )
    install_append_only_rules(bind)
    install_keep_rules(bind)


def downgrade() -> None:
    """Refused: dropping these tables would destroy the public record."""
    raise RuntimeError("the first migration is not undone: it would destroy the public record")
