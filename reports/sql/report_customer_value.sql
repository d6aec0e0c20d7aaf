-- One customer's lifetime value (reports.customer_value), found through
-- customer_stats_username_idx.
SELECT customer_id, username AS "user", first_order_at, last_order_at, tenure_days,
       days_since_last_order, orders_count, completed_orders, total_revenue, avg_order_value,
       purchase_frequency, predicted_orders, predicted_probability_alive, predicted_value,
       predicted_horizon_days, predicted_at, predicted_inputs_as_of
FROM reports.customer_value
WHERE username = %(username)s
