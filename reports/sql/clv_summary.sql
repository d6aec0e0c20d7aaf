-- The BG/NBD summary of every customer with a Complete order, from the stored customer_stats
-- as of the reports' as_of: frequency = repeat orders, recency = days from the first order to
-- the last, T = days from the first order to as_of, monetary_value = average order value.
-- The first and last order are of any status (customer_stats keeps no Complete-only dates).
SELECT s.customer_id,
       s.completed_orders - 1 AS frequency,
       greatest(extract(epoch FROM s.last_order_at - s.first_order_at) / 86400, 0)::float8
           AS recency,
       greatest(extract(epoch FROM state.as_of - s.first_order_at) / 86400,
                extract(epoch FROM s.last_order_at - s.first_order_at) / 86400, 0)::float8 AS "T",
       (s.total_revenue / s.completed_orders)::float8 AS monetary_value
FROM reports_data.customer_stats AS s
CROSS JOIN reports_data.refresh_state AS state
WHERE s.completed_orders > 0 AND s.first_order_at IS NOT NULL
ORDER BY s.customer_id
