from django.db import migrations

from project.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_bi_boundary"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("reports", "refresh_failures_v1.sql"),
            reverse_sql="DROP TABLE reports_data.refresh_failures;",
        ),
    ]
