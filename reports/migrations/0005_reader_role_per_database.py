"""A reader role per database (issue 19): reports_reader was one role for the whole cluster,
so a BI user made for one database of the app could read the reports of every other."""

from django.db import migrations

from reports.roles import reader_role_sql


def reader_role_per_database(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        reader_role_sql(cursor.cursor, "reader_role_per_database_v1.sql")


def reader_role_shared(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        reader_role_sql(cursor.cursor, "reader_role_per_database_v1_reverse.sql")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_refresh_failures"),
    ]

    operations = [
        migrations.RunPython(reader_role_per_database, reverse_code=reader_role_shared),
    ]
