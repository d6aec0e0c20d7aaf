-- A counter of failed refresh_reports runs for /metrics (reports.metrics). refresh_log keeps
-- seven days of rows, so counting its failures would go down as they are pruned; a counter
-- must only go up. One row, kept in the private schema (BI users cannot read it).
CREATE TABLE reports_data.refresh_failures (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    total bigint NOT NULL DEFAULT 0 CHECK (total >= 0)
);
COMMENT ON TABLE reports_data.refresh_failures IS
    'Failed refresh runs ever recorded (reports.refresh_log keeps 7 days): a Prometheus counter.';
INSERT INTO reports_data.refresh_failures DEFAULT VALUES;
