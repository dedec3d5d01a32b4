"""Every table of the store, in one metadata: what the migrations describe."""

from xl_ni179.store import mail_ledger as _mail_ledger  # noqa: F401 - registers the intake ledger table
from xl_ni179.store.models import Base, for_postgresql

for_postgresql()  # the partial indexes as the migrations make them on PostgreSQL too
metadata = Base.metadata
