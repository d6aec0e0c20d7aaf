-- Customer lifetime value (frozen: migration reports.0008 reads this file).
-- The exact part (first and last order, tenure, revenue, ...) is computed on read from
-- reports_data.customer_stats (view reports.customer_value). The predicted part is a model's
-- output: `fit_clv` fits BG/NBD with Gamma-Gamma over customer_stats and replaces these rows
-- in one transaction, with the fit's time and the as_of of the stats it read.
CREATE TABLE reports_data.customer_value_model (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    model text NOT NULL,
    fitted_at timestamptz NOT NULL,
    inputs_as_of timestamptz,
    horizon_days integer NOT NULL,
    customers bigint NOT NULL,
    fit_seconds numeric(12, 3) NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE reports_data.customer_value_prediction (
    customer_id bigint PRIMARY KEY,
    expected_orders numeric(20, 4) NOT NULL,
    probability_alive numeric(6, 5) NOT NULL,
    predicted_value numeric(38, 2) NOT NULL
);
CREATE INDEX customer_value_prediction_top_idx
    ON reports_data.customer_value_prediction (predicted_value DESC, customer_id);
