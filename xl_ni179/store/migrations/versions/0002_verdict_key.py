"""submissions.verdict_key: de-duplicate on what decided the verdict, not the bytes alone

Revision ID: 0002
Revises: 0001

The key is a hash of the file, the sender, the round asked for and the configuration the
file was checked against. Rows received before this migration have no key: such a file
received again is checked again (never wrongly called a duplicate).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_submissions_verdict_key"), ["verdict_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_verdict_key"))
        batch_op.drop_column("verdict_key")
