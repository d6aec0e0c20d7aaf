-- Revenue by UTC month and sales channel; either bound and the channel may be NULL (all).
SELECT to_char(month, 'YYYY-MM') AS month,
       channel,
       orders_count,
       completed_orders,
       cancelled_orders,
       revenue
FROM reports.revenue_by_channel
WHERE (%(first)s::date IS NULL OR month >= %(first)s::date)
  AND (%(last)s::date IS NULL OR month <= %(last)s::date)
  AND (%(channel)s::text IS NULL OR channel = %(channel)s::text)
ORDER BY month, channel
