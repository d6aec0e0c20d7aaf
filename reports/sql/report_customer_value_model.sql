-- The model behind the predicted columns of reports.customer_value (none until fit_clv ran).
SELECT model, fitted_at, inputs_as_of, horizon_days, customers, fit_seconds
FROM reports_data.customer_value_model
