from django.db import migrations

from project.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("orders", "refresh_current_status_v1.sql"),
            reverse_sql="DROP FUNCTION IF EXISTS orders_refresh_current_status(bigint[]);",
        ),
    ]
