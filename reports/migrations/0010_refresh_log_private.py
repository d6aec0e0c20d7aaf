from django.db import migrations

# refresh_log (its errors included) is not for BI: out of schema `reports`, where the reader
# role sees every relation listed and was refused this one, into `reports_data` with the
# other private state. SET SCHEMA takes its indexes, constraints and identity sequence along.


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_bounds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE reports.refresh_log SET SCHEMA reports_data",
                    reverse_sql="ALTER TABLE reports_data.refresh_log SET SCHEMA reports",
                ),
            ],
            state_operations=[
                migrations.AlterModelTable(name="refreshlog", table='reports_data"."refresh_log'),
            ],
        ),
    ]
