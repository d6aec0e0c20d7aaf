-- Revenue by UTC month and order currency, original and converted, with the orders waiting for
-- a rate; either bound and the currency may be NULL (all).
SELECT to_char(month, 'YYYY-MM') AS month,
       currency,
       orders_count,
       completed_orders,
       revenue_original,
       revenue,
       unconverted_orders,
       unconverted_revenue_original
FROM reports.revenue_by_currency
WHERE (%(first)s::date IS NULL OR month >= %(first)s::date)
  AND (%(last)s::date IS NULL OR month <= %(last)s::date)
  AND (%(currency)s::text IS NULL OR currency = %(currency)s::text)
ORDER BY month, currency
