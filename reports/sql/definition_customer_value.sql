-- Definition of reports.customer_value (check_reports compares the two): the same computation
-- over the definition of customer_stats (read from the orders) instead of its stored rows.
SELECT s.customer_id,
       s.username,
       s.first_order_at,
       s.last_order_at,
       CASE WHEN s.first_order_at <= state.as_of
            THEN floor(extract(epoch FROM state.as_of - s.first_order_at) / 86400)::integer
            WHEN s.first_order_at > state.as_of THEN 0 END AS tenure_days,
       CASE WHEN s.last_order_at <= state.as_of
            THEN floor(extract(epoch FROM state.as_of - s.last_order_at) / 86400)::integer
            WHEN s.last_order_at > state.as_of THEN 0 END AS days_since_last_order,
       s.orders_count,
       s.completed_orders,
       s.total_revenue,
       round(s.total_revenue / nullif(s.completed_orders, 0), 2)::numeric(38, 2)
           AS avg_order_value,
       CASE WHEN s.first_order_at IS NOT NULL THEN
           round(s.completed_orders * 30.0 / greatest(
               extract(epoch FROM state.as_of - s.first_order_at) / 86400, 30), 4)::numeric(20, 4)
       END AS purchase_frequency,
       prediction.expected_orders AS predicted_orders,
       prediction.probability_alive AS predicted_probability_alive,
       prediction.predicted_value,
       prediction.horizon_days AS predicted_horizon_days,
       prediction.fitted_at AS predicted_at,
       prediction.inputs_as_of AS predicted_inputs_as_of
FROM reports_definition.customer_stats AS s
CROSS JOIN reports_data.refresh_state AS state
-- A customer's prediction by its primary key, whatever the planner guesses of the tables
-- (LIMIT keeps the subquery a per-row index probe, never a merge over every prediction).
LEFT JOIN LATERAL (
    SELECT p.expected_orders, p.probability_alive, p.predicted_value, model.horizon_days,
           model.fitted_at, model.inputs_as_of
    FROM reports_data.customer_value_prediction AS p
    CROSS JOIN reports_data.customer_value_model AS model
    WHERE p.customer_id = s.customer_id
    LIMIT 1
) AS prediction ON true
