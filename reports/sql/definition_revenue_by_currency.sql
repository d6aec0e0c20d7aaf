-- Definition of reports.revenue_by_currency: per UTC month and order currency, the Complete
-- orders' revenue in that currency and in the base currency, and the orders still waiting for
-- a rate (unconverted: in no base-currency sum, never counted 1:1).
SELECT date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month,
       o.currency::varchar(3) AS currency,
       count(*) AS orders_count,
       count(*) FILTER (WHERE o.current_status = 'Complete') AS completed_orders,
       coalesce(sum(o.original_total) FILTER (WHERE o.current_status = 'Complete'), 0)
           ::numeric(38, 2) AS revenue_original,
       coalesce(sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete'), 0)
           ::numeric(38, 2) AS revenue,
       count(*) FILTER (WHERE o.rate IS NULL) AS unconverted_orders,
       coalesce(
           sum(o.original_total) FILTER (WHERE o.rate IS NULL AND o.current_status = 'Complete'),
           0
       )::numeric(38, 2) AS unconverted_revenue_original
FROM reports_definition.order_base AS o
GROUP BY 1, 2
