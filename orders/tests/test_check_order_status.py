from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from orders.models import Order, Status
from orders.services import order_status_add
from orders.tests.factories import at, make_order

pytestmark = pytest.mark.django_db


def corrupt(order: Order, status: str) -> None:
    """Write current_status behind the triggers' back, as a buggy script would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET current_status = %s WHERE id = %s", [status, order.id]
        )


def test_reports_no_mismatch_on_consistent_data():
    make_order("A-1")
    out = io.StringIO()
    call_command("check_order_status", stdout=out)
    assert "0 mismatching orders" in out.getvalue()


def test_finds_mismatches_exits_non_zero_and_fix_repairs_them():
    healthy = make_order("A-1")
    broken = make_order("B-2")
    order_status_add(order=broken, status=Status.COMPLETE, created=at(5))
    corrupt(broken, Status.CANCELLED)

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 orders"):
        call_command("check_order_status", stdout=out)
    assert "B-2" in out.getvalue()
    assert "A-1" not in out.getvalue()

    call_command("check_order_status", fix=True, stdout=io.StringIO())
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert broken.current_status == Status.COMPLETE
    assert healthy.current_status == Status.PENDING
    call_command("check_order_status", stdout=io.StringIO())
