-- Definition of what one order contributes to the reports (reports_data.order_applied holds it
-- as last applied): its customer, time, status, channel and currency, the rate it converts at
-- (NULL: none yet), its own total, and in the base currency its total and per distinct sku its
-- units and revenue, in sku order (reports_definition.order_base and order_line_base).
-- refresh_reports computes the same for the changed orders only (live_apply.sql); check_reports
-- compares the two.
SELECT o.id AS order_id,
       o.customer_id,
       o.created_at,
       o.current_status::varchar(20) AS status,
       o.total_amount,
       coalesce(line.skus, '{}')::varchar(50)[] AS skus,
       coalesce(line.units, '{}')::bigint[] AS units,
       coalesce(line.revenue, '{}')::numeric[] AS revenue,
       o.channel::varchar(20) AS channel,
       o.currency::varchar(3) AS currency,
       o.rate::numeric(20, 10) AS rate,
       o.original_total
FROM reports_definition.order_base AS o
LEFT JOIN (
    SELECT l.order_id,
           array_agg(l.sku ORDER BY l.sku) AS skus,
           array_agg(l.units ORDER BY l.sku) AS units,
           array_agg(l.revenue ORDER BY l.sku) AS revenue
    FROM reports_definition.order_line_base AS l
    GROUP BY l.order_id
) AS line ON line.order_id = o.id
