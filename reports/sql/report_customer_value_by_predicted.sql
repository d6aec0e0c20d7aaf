-- Customers' lifetime value, highest predicted value first (the last fit_clv run's customers
-- that still exist), keyset-paged along customer_value_prediction_top_idx after the cursor.
WITH page AS (
    SELECT p.customer_id, p.predicted_value
    FROM reports_data.customer_value_prediction AS p
    WHERE p.predicted_value <= %(after_value)s
      AND (p.predicted_value < %(after_value)s OR p.customer_id > %(after_id)s)
      AND EXISTS (SELECT FROM reports_data.customer_stats AS s WHERE s.customer_id = p.customer_id)
    ORDER BY p.predicted_value DESC, p.customer_id
    LIMIT %(limit)s
)
SELECT v.customer_id, v.username AS "user", v.first_order_at, v.last_order_at, v.tenure_days,
       v.days_since_last_order, v.orders_count, v.completed_orders, v.total_revenue,
       v.avg_order_value, v.purchase_frequency, v.predicted_orders,
       v.predicted_probability_alive, v.predicted_value
FROM page
JOIN reports.customer_value AS v ON v.customer_id = page.customer_id
ORDER BY page.predicted_value DESC, v.customer_id
