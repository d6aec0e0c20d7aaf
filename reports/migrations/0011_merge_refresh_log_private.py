# refresh_log's move to reports_data (issue 22) was made beside issue 21's reports from 0006;
# neither touches the other's objects.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_merge_category_and_customer_reports"),
        ("reports", "0010_refresh_log_private"),
    ]

    operations = []
