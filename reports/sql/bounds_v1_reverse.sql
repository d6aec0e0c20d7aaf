-- Reverse of bounds_v1.sql (frozen). Fails, rightly, if a stored sum no longer fits 16 digits.
DROP VIEW IF EXISTS reports.customer_stats, reports.product_sales, reports.also_bought,
    reports.daily_order_stats, reports.monthly_revenue;
DROP VIEW reports_data.revenue_bucket_source, reports_data.revenue_level_source;
ALTER TABLE reports_data.customer_stats ALTER COLUMN total_revenue TYPE numeric(16, 2);
ALTER TABLE reports_data.revenue_level ALTER COLUMN total_revenue TYPE numeric(16, 2);
ALTER TABLE reports_data.product_sales ALTER COLUMN revenue TYPE numeric(16, 2);
ALTER TABLE reports_data.daily_order_stats ALTER COLUMN revenue TYPE numeric(16, 2);
CREATE VIEW reports_data.revenue_level_source AS
SELECT total_revenue, count(*) AS customers
FROM reports_data.customer_stats
GROUP BY total_revenue;
CREATE VIEW reports_data.revenue_bucket_source AS
SELECT reports_data.revenue_bucket(total_revenue) AS bucket, count(*) AS levels
FROM reports_data.revenue_level_source
GROUP BY 1;
UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'also-bought basket cap removed';
