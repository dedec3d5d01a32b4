"""Alembic environment for the returns store; run through xl_ni179.store.migrate."""

from __future__ import annotations

from alembic import context

from xl_ni179.store.schema_models import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():
    context.run_migrations()
