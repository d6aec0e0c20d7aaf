-- Definition of reports.revenue_by_channel: per UTC month and sales channel, the orders created
-- and what they are now; revenue in the base currency, of the Complete ones.
SELECT date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month,
       o.channel::varchar(20) AS channel,
       count(*) AS orders_count,
       count(*) FILTER (WHERE o.current_status = 'Complete') AS completed_orders,
       count(*) FILTER (WHERE o.current_status = 'Cancelled') AS cancelled_orders,
       coalesce(sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete'), 0)
           ::numeric(38, 2) AS revenue
FROM reports_definition.order_base AS o
GROUP BY 1, 2
