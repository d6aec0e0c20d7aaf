-- Daily order statistics (seed 003's daily_order_stats) for a range of UTC days, both included.
SELECT day,
       orders_count,
       completed_orders,
       cancelled_orders,
       revenue,
       avg_order_value
FROM reports.daily_order_stats
WHERE day BETWEEN %(first)s::date AND %(last)s::date
ORDER BY day
