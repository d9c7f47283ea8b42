"""fault counters in the ledger: crawl_run_faults(run_id, source_id, kind, count)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:55:00

One row per run, source and fault kind (crawler/faultkinds.py: timeout, http_404,
size_limit, redirect_loop, blocked_address, ...), the same numbers as the
``civmon/source/<id>/fault_<kind>`` counters of ``crawl_runs.stats``, queryable
without JSON.  Existing runs are filled from their stats JSON.
"""

import json

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'crawl_run_faults',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ),
        sa.PrimaryKeyConstraint('run_id', 'source_id', 'kind'),
    )
    bind = op.get_bind()
    faults = sa.table('crawl_run_faults', sa.column('run_id'), sa.column('source_id'),
                      sa.column('kind'), sa.column('count'))
    rows = []
    for run_id, stats in bind.execute(sa.text(
            "SELECT id, stats FROM crawl_runs WHERE stats IS NOT NULL")):
        try:
            values = json.loads(stats)
        except ValueError:
            continue
        for key, value in values.items():
            parts = key.split("/")
            if (len(parts) == 4 and parts[:2] == ["civmon", "source"]
                    and parts[3].startswith("fault_") and isinstance(value, int) and value):
                rows.append({"run_id": run_id, "source_id": parts[2][:64],
                             "kind": parts[3].removeprefix("fault_")[:32], "count": value})
    if rows:
        op.bulk_insert(faults, rows)


def downgrade() -> None:
    op.drop_table('crawl_run_faults')
