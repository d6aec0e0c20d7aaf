# The cancelled list by cancellation time (?order=-cancelled_at). Built CONCURRENTLY: on a
# large orders table a plain CREATE INDEX would block every write for the whole build.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0006_order_uploaded_status"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(("current_status", "Cancelled")),
                fields=["-current_status_at", "-id"],
                name="order_cancelled_at_idx",
            ),
        ),
    ]
