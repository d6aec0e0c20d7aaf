# Issue 21's recent-orders index and issue 22's upload history were built side by side from 0009;
# neither touches the other's objects.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_order_recent_idx"),
        ("orders", "0010_upload_history"),
    ]

    operations = []
