-- reports.monthly_revenue (reports.models.MonthlyRevenue): rolled up on read from the stored
-- days, so it is always exactly as fresh as daily_order_stats.
SELECT per_month.*,
       sum(per_month.revenue) OVER (ORDER BY per_month.month)::numeric(38, 2)
           AS cumulative_revenue
FROM (
    SELECT date_trunc('month', d.day::timestamp)::date AS month,
           sum(d.orders_count)::bigint AS orders_count,
           sum(d.completed_orders)::bigint AS completed_orders,
           sum(d.cancelled_orders)::bigint AS cancelled_orders,
           sum(d.revenue)::numeric(38, 2) AS revenue
    FROM reports_data.daily_order_stats AS d
    GROUP BY 1
) AS per_month
