-- The schema of the reports (frozen: migration reports.0001 reads this file).
CREATE SCHEMA IF NOT EXISTS reports;
COMMENT ON SCHEMA reports IS
    'Materialized views answering the order reports (refresh_reports keeps them fresh; '
    'reports.refresh_log says when). BI tools read here through the reports_reader role.';
