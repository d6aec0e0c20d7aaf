DROP VIEW reports_definition.order_line_base, reports_definition.order_base,
    reports_definition.currency_day_rate CASCADE;
DROP TABLE reports_data.revenue_by_currency, reports_data.revenue_by_channel CASCADE;
TRUNCATE reports_data.order_applied;
ALTER TABLE reports_data.order_applied
    ALTER COLUMN total_amount TYPE numeric(12, 2),
    DROP COLUMN original_total, DROP COLUMN rate, DROP COLUMN currency, DROP COLUMN channel;
DROP FUNCTION reports_data.order_rate(varchar, date);
DROP FUNCTION reports_data.days_between(date, date);
DROP TABLE reports_data.base_currency, reports_data.rate_change;
UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'channels and currencies removed';
