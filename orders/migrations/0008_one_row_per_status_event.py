# One status event (order, created, status) is one history row, enforced by a unique constraint.
# Not atomic, so that the unique index is built CONCURRENTLY: on a large history a plain build
# would block every webhook and upload for its whole duration; this one blocks them only for
# the moment the finished index is attached as the constraint. Existing duplicates (which the
# old check-then-insert let concurrent deliveries write) are deleted first, keeping the lowest
# id of each event; the history's delete trigger recomputes the affected orders' status.
# Safe to run again: should a server still running the old code slip a new duplicate in during
# the build, the build fails, and `migrate` run again drops what it left and starts over.
# Not reversible in data: going back drops the constraint; deleted copies stay deleted.

from django.db import migrations, models

from project.sqlfiles import read_sql

INDEX = "orderstatus_one_row_per_event"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0007_cancelled_at_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # What a run that stopped midway left behind: the constraint (stopped before
                # being recorded) or an invalid index (the build failed).
                migrations.RunSQL(
                    sql=f"ALTER TABLE orders_orderstatus DROP CONSTRAINT IF EXISTS {INDEX};",
                    reverse_sql=migrations.RunSQL.noop,
                ),
                migrations.RunSQL(
                    sql=f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX};",
                    reverse_sql=migrations.RunSQL.noop,
                ),
                migrations.RunSQL(
                    sql=read_sql("orders", "status_event_duplicates_delete.sql"),
                    reverse_sql=migrations.RunSQL.noop,
                ),
                migrations.RunSQL(
                    sql=f"CREATE UNIQUE INDEX CONCURRENTLY {INDEX} "
                    "ON orders_orderstatus (order_id, created, status);",
                    reverse_sql=migrations.RunSQL.noop,
                ),
                migrations.RunSQL(
                    sql=f"ALTER TABLE orders_orderstatus ADD CONSTRAINT {INDEX} "
                    f"UNIQUE USING INDEX {INDEX};",
                    reverse_sql=f"ALTER TABLE orders_orderstatus DROP CONSTRAINT {INDEX};",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="orderstatus",
                    constraint=models.UniqueConstraint(
                        fields=("order", "created", "status"), name=INDEX
                    ),
                ),
            ],
        ),
    ]
