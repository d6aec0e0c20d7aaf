-- reports.daily_order_stats (reports.models.DailyOrderStats): stored per-day figures.
SELECT d.day,
       d.orders_count,
       d.completed_orders,
       d.cancelled_orders,
       d.revenue,
       round(d.revenue / nullif(d.completed_orders, 0), 2)::numeric(38, 2) AS avg_order_value
FROM reports_data.daily_order_stats AS d
