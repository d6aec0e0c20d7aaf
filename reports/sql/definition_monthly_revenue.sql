-- Definition of reports.monthly_revenue: rolled up from the daily definition, with the running
-- total over the months.
SELECT per_month.*,
       sum(per_month.revenue) OVER (ORDER BY per_month.month)::numeric(38, 2)
           AS cumulative_revenue
FROM (
    SELECT date_trunc('month', d.day::timestamp)::date AS month,
           sum(d.orders_count)::bigint AS orders_count,
           sum(d.completed_orders)::bigint AS completed_orders,
           sum(d.cancelled_orders)::bigint AS cancelled_orders,
           sum(d.revenue)::numeric(38, 2) AS revenue
    FROM reports_definition.daily_order_stats AS d
    GROUP BY 1
) AS per_month
