"""The report endpoints' answers computed live by the ORM from the orders, without the views.

Each function returns what the matching endpoint's JSON holds (the compared fields), so the
benchmark can check that the live answer and the materialized one agree before comparing
their latency. Ranks are DENSE_RANK, as in the views: 1 + the number of distinct higher values.
"""

from __future__ import annotations

import bisect
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from orders.models import Customer, Order, OrderItem, Status

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
CENT = Decimal("0.01")
COMPLETE = Q(current_status=Status.COMPLETE)
CANCELLED = Q(current_status=Status.CANCELLED)


def _average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


def _customer_revenues() -> QuerySet:
    """Revenue (Complete orders) per customer that has any: the values revenue_rank ranks."""
    return (
        Order.objects.filter(COMPLETE)
        .values("customer_id")
        .annotate(revenue=Sum("total_amount"))
        .values_list("revenue", flat=True)
    )


def live_customer_stats(*, username: str) -> dict:
    """GET /api/orders/stats?user= from the orders."""
    stats = Order.objects.filter(customer__username=username).aggregate(
        orders_count=Count("id"),
        completed_orders=Count("id", filter=COMPLETE),
        cancelled_orders=Count("id", filter=CANCELLED),
        pending_orders=Count("id", filter=Q(current_status=Status.PENDING)),
        total_revenue=Coalesce(Sum("total_amount", filter=COMPLETE), ZERO),
        first_order_at=Min("created_at"),
        last_order_at=Max("created_at"),
    )
    stats["avg_order_value"] = _average(stats["total_revenue"], stats["completed_orders"])
    higher = _customer_revenues().filter(revenue__gt=stats["total_revenue"]).distinct().count()
    stats["revenue_rank"] = 1 + higher
    return {"user": username, **stats}


def live_customer_loyal(*, min_completed_orders: int, limit: int) -> list[dict]:
    """Seed 001: customers with at least N Complete orders, biggest spenders first."""
    complete = Q(orders__current_status=Status.COMPLETE)
    rows = list(
        Customer.objects.annotate(
            completed_orders=Count("orders", filter=complete),
            total_revenue=Coalesce(Sum("orders__total_amount", filter=complete), ZERO),
            orders_count=Count("orders"),
        )
        .filter(completed_orders__gte=min_completed_orders)
        .order_by("-total_revenue", "pk")
        .values("pk", "username", "completed_orders", "total_revenue", "orders_count")[:limit]
    )
    if not rows:
        return []
    lowest = rows[-1]["total_revenue"]
    higher = sorted(_customer_revenues().filter(revenue__gt=lowest).distinct())
    return [
        {
            "customer_id": row["pk"],
            "user": row["username"],
            "completed_orders": row["completed_orders"],
            "total_revenue": row["total_revenue"],
            "orders_count": row["orders_count"],
            "revenue_rank": 1 + len(higher) - bisect.bisect_right(higher, row["total_revenue"]),
        }
        for row in rows
    ]


def _dense_ranks(values: list) -> dict:
    return {value: rank for rank, value in enumerate(sorted(set(values), reverse=True), 1)}


def _newest_names(skus: list[str]) -> dict[str, str]:
    newest = OrderItem.objects.filter(sku__in=skus).values("sku").annotate(newest=Max("id"))
    ids = {row["newest"]: row["sku"] for row in newest}
    return {
        ids[pk]: name for pk, name in OrderItem.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def live_product_top(*, limit: int) -> list[dict]:
    """Best sellers by revenue (Complete orders), with both ranks over every sku."""
    complete = Q(order__current_status=Status.COMPLETE)
    line_total = ExpressionWrapper(F("quantity") * F("price"), output_field=MONEY)
    per_sku = list(
        OrderItem.objects.values("sku").annotate(
            units_sold=Coalesce(Sum("quantity", filter=complete), 0),
            revenue=Coalesce(Sum(line_total, filter=complete), ZERO),
            orders_count=Count("order_id", filter=complete, distinct=True),
        )
    )
    by_revenue = _dense_ranks([row["revenue"] for row in per_sku])
    by_units = _dense_ranks([row["units_sold"] for row in per_sku])
    top = sorted(per_sku, key=lambda row: (by_revenue[row["revenue"]], row["sku"]))[:limit]
    names = _newest_names([row["sku"] for row in top])
    return [
        {
            **row,
            "name": names[row["sku"]],
            "revenue_rank": by_revenue[row["revenue"]],
            "units_rank": by_units[row["units_sold"]],
        }
        for row in top
    ]


def live_also_bought(*, sku: str, limit: int) -> list[dict]:
    """Seed 002: the skus most often in the same non-cancelled order as `sku`."""
    baskets = (
        OrderItem.objects.filter(sku=sku)
        .exclude(order__current_status=Status.CANCELLED)
        .values("order_id")
    )
    rows = list(
        OrderItem.objects.filter(order_id__in=baskets)
        .exclude(sku=sku)
        .values("sku")
        .annotate(orders_together=Count("order_id", distinct=True))
        .order_by("-orders_together", "sku")[:limit]
    )
    names = _newest_names([row["sku"] for row in rows])
    return [
        {"rank": rank, "sku": row["sku"], "name": names[row["sku"]], **row}
        for rank, row in enumerate(rows, 1)
    ]


def _per_period(orders: QuerySet, period) -> QuerySet:
    return (
        orders.annotate(period=period)
        .values("period")
        .annotate(
            orders_count=Count("id"),
            completed_orders=Count("id", filter=COMPLETE),
            cancelled_orders=Count("id", filter=CANCELLED),
            revenue=Coalesce(Sum("total_amount", filter=COMPLETE), ZERO),
        )
        .order_by("period")
    )


def live_revenue_monthly() -> list[dict]:
    """Revenue per UTC month with its running total."""
    rows, running = [], Decimal("0.00")
    for row in _per_period(Order.objects.all(), TruncMonth("created_at", tzinfo=datetime.UTC)):
        running += row["revenue"]
        month = row.pop("period").strftime("%Y-%m")
        rows.append({"month": month, **row, "cumulative_revenue": running})
    return rows


def live_revenue_daily(*, first: datetime.date, last: datetime.date) -> list[dict]:
    """Seed 003's daily_order_stats for the UTC days first..last."""
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=datetime.UTC)
    end = datetime.datetime.combine(last, datetime.time(), tzinfo=datetime.UTC)
    orders = Order.objects.filter(
        created_at__gte=start, created_at__lt=end + datetime.timedelta(days=1)
    )
    return [
        {
            "day": row.pop("period"),
            **row,
            "avg_order_value": _average(row["revenue"], row["completed_orders"]),
        }
        for row in _per_period(orders, TruncDate("created_at", tzinfo=datetime.UTC))
    ]
