from django.db import migrations

from project.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_reader_role_per_database"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("reports", "bounds_v1.sql"),
            reverse_sql=read_sql("reports", "bounds_v1_reverse.sql"),
        ),
    ]
