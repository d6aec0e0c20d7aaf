-- Customers' lifetime value, highest revenue first, keyset-paged: the page's customers are the
-- next rows of customer_stats_revenue_idx (total_revenue DESC, customer_id) after the cursor
-- (the first page: after +Infinity), so a page costs its size at any depth.
WITH page AS (
    SELECT s.customer_id
    FROM reports_data.customer_stats AS s
    WHERE s.total_revenue <= %(after_value)s
      AND (s.total_revenue < %(after_value)s OR s.customer_id > %(after_id)s)
    ORDER BY s.total_revenue DESC, s.customer_id
    LIMIT %(limit)s
)
SELECT v.customer_id, v.username AS "user", v.first_order_at, v.last_order_at, v.tenure_days,
       v.days_since_last_order, v.orders_count, v.completed_orders, v.total_revenue,
       v.avg_order_value, v.purchase_frequency, v.predicted_orders,
       v.predicted_probability_alive, v.predicted_value
FROM page
JOIN reports.customer_value AS v ON v.customer_id = page.customer_id
ORDER BY v.total_revenue DESC, v.customer_id
