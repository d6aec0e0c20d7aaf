from django.db import migrations

from project.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_live_reports"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("reports", "bi_boundary_v1.sql"),
            reverse_sql=read_sql("reports", "bi_boundary_v1_reverse.sql"),
        ),
    ]
