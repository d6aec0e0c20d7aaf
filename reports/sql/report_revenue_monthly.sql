-- Monthly revenue with its running total; either bound may be NULL (open range).
SELECT to_char(month, 'YYYY-MM') AS month,
       orders_count,
       completed_orders,
       cancelled_orders,
       revenue,
       cumulative_revenue
FROM reports.monthly_revenue
WHERE (%(first)s::date IS NULL OR month >= %(first)s::date)
  AND (%(last)s::date IS NULL OR month <= %(last)s::date)
ORDER BY month
