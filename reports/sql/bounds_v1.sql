-- Bounds (frozen: migration reports.0006 reads this file).
-- 1. Every stored money sum becomes numeric(38, 2): wide enough for the widest order the upload
--    accepts (1,000 lines of 1,000,000 x 99,999,999.99, i.e. < 10^17) times the most orders a
--    bigint id can number (< 2^63 < 10^19): < 10^36, so no sum can overflow (docs/DESIGN.md §6).
--    The report views over these columns are dropped here; migrate re-creates them (pgviews) with
--    their grants and comments.
-- 2. also-bought counts only baskets of at most reports_definition.also_bought_basket's
--    max_skus distinct skus (a view: migrate re-creates it): a wider order adds no pairs.
DROP VIEW IF EXISTS reports.customer_stats, reports.product_sales, reports.also_bought,
    reports.daily_order_stats, reports.monthly_revenue;
DROP VIEW reports_data.revenue_bucket_source, reports_data.revenue_level_source;

ALTER TABLE reports_data.customer_stats ALTER COLUMN total_revenue TYPE numeric(38, 2);
ALTER TABLE reports_data.revenue_level ALTER COLUMN total_revenue TYPE numeric(38, 2);
ALTER TABLE reports_data.product_sales ALTER COLUMN revenue TYPE numeric(38, 2);
ALTER TABLE reports_data.daily_order_stats ALTER COLUMN revenue TYPE numeric(38, 2);

CREATE VIEW reports_data.revenue_level_source AS
SELECT total_revenue, count(*) AS customers
FROM reports_data.customer_stats
GROUP BY total_revenue;
CREATE VIEW reports_data.revenue_bucket_source AS
SELECT reports_data.revenue_bucket(total_revenue) AS bucket, count(*) AS levels
FROM reports_data.revenue_level_source
GROUP BY 1;

-- Pairs of baskets wider than the cap that are stored now go at the next run.
UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'also-bought basket cap (migration reports.0006)';
