# The category reports (issue 21, catalog) and the customer-value and cohort reports (issue 21,
# customers) were built side by side from 0006; neither touches the other's objects.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_category_reports"),
        ("reports", "0009_cohorts"),
    ]

    operations = []
