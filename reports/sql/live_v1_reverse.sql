-- Reverse of live_v1.sql (frozen). The materialized views come back at the next migrate of
-- reports.0001's models only by re-applying that migration; this drops the live storage.
DROP SCHEMA IF EXISTS reports_definition CASCADE;
DROP SCHEMA IF EXISTS reports_data CASCADE;
