import django_pgviews.db.migrations.operations
from django.db import migrations, models

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
        # The widest basket that counts in also-bought: a view (migrate re-creates it). State
        # only: RegisterViewOperation does nothing to the database, but calls itself
        # irreversible, which would stop every migration back past this one.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AlsoBoughtBasketDefinition",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_definition.also_bought_basket",
                        "managed": False,
                    },
                ),
                django_pgviews.db.migrations.operations.RegisterViewOperation(
                    name="AlsoBoughtBasketDefinition",
                    materialized=False,
                    db_name="reports_definition.also_bought_basket",
                ),
            ]
        ),
    ]
