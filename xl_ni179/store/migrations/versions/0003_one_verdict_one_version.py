"""One verdict per key and one of each version: unique indexes; the intake ledger's config and reads

Revision ID: 0003
Revises: 0002

Before this, two receipts at once could both record the same file as new (version 2 of a
file already accepted) or give two files one version number. A store that has such rows is
repaired first, and the repair is written to the audit log: a later copy of a verdict
becomes a duplicate of the first, and each organisation's versions in a round are numbered
again in the order received.
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ORIGINALS = sa.text("outcome <> 'duplicate'")


def _repair() -> None:
    conn = op.get_bind()
    subs = sa.table(
        "submissions",
        sa.column("id", sa.Integer),
        sa.column("verdict_key", sa.String),
        sa.column("org_code", sa.String),
        sa.column("round_id", sa.String),
        sa.column("outcome", sa.String),
        sa.column("version", sa.Integer),
        sa.column("duplicate_of", sa.Integer),
    )
    rows = conn.execute(
        sa.select(
            subs.c.id,
            subs.c.verdict_key,
            subs.c.org_code,
            subs.c.round_id,
            subs.c.outcome,
            subs.c.version,
            subs.c.duplicate_of,
        ).order_by(subs.c.id)
    ).all()
    changes: list[dict] = []
    first: dict[str, int] = {}
    outcome = {r.id: r.outcome for r in rows}
    duplicate_of = {r.id: r.duplicate_of for r in rows}
    for r in rows:
        if r.outcome == "duplicate" or r.verdict_key is None:
            continue
        if r.verdict_key in first:
            outcome[r.id], duplicate_of[r.id] = "duplicate", first[r.verdict_key]
        else:
            first[r.verdict_key] = r.id
    for r in rows:  # a duplicate of a row that is now a duplicate points at the original itself
        target, seen = duplicate_of[r.id], set()
        while target is not None and outcome.get(target) == "duplicate" and target not in seen:
            seen.add(target)
            target = duplicate_of[target]
        duplicate_of[r.id] = target
    version = {r.id: r.version for r in rows}
    counters: dict[tuple, int] = {}
    for r in rows:
        if outcome[r.id] == "duplicate" or r.version is None:
            continue
        key = (r.org_code, r.round_id)
        counters[key] = counters.get(key, 0) + 1
        version[r.id] = counters[key]
    for r in rows:
        if outcome[r.id] == "duplicate" and duplicate_of[r.id] in version:
            version[r.id] = version[duplicate_of[r.id]]
    for r in rows:
        new = (outcome[r.id], duplicate_of[r.id], version[r.id])
        if new != (r.outcome, r.duplicate_of, r.version):
            conn.execute(
                subs.update()
                .where(subs.c.id == r.id)
                .values(outcome=new[0], duplicate_of=new[1], version=new[2])
            )
            changes.append(
                {
                    "submission": r.id,
                    "was": [r.outcome, r.version, r.duplicate_of],
                    "now": list(new),
                }
            )
    if changes:
        audit = sa.table(
            "audit",
            sa.column("at", sa.DateTime),
            sa.column("actor", sa.String),
            sa.column("action", sa.String),
            sa.column("detail", sa.JSON),
        )
        conn.execute(
            audit.insert().values(
                at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                actor="ni179 store upgrade",
                action="repair",
                detail=json.loads(
                    json.dumps(
                        {
                            "why": "receipts recorded at once before 0003",
                            "columns": ["outcome", "version", "duplicate_of"],
                            "changes": changes[:1000],
                        }
                    )
                ),
            )
        )


def upgrade() -> None:
    _repair()
    op.create_index(
        "uq_submissions_verdict",
        "submissions",
        ["verdict_key"],
        unique=True,
        sqlite_where=ORIGINALS,
        postgresql_where=ORIGINALS,
    )
    op.create_index(
        "uq_submissions_version",
        "submissions",
        ["org_code", "round_id", "version"],
        unique=True,
        sqlite_where=ORIGINALS,
        postgresql_where=ORIGINALS,
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_sha", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reads", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_column("reads")
        batch_op.drop_column("config_sha")
    op.drop_index("uq_submissions_version", table_name="submissions")
    op.drop_index("uq_submissions_verdict", table_name="submissions")
