-- The reports_reader role (frozen: migration reports.0001 reads this file). BI users are its
-- members (create_bi_user). Roles belong to the cluster, not to one database: another database
-- of the cluster (a test database, a second checkout) may have created it already.
DO $$
BEGIN
    CREATE ROLE reports_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA reports TO reports_reader;
-- Views that this role creates in reports from now on (pgviews-redux re-creates changed views
-- at migrate) are readable at once. refresh_log exists already and stays private;
-- reports.schema also re-grants SELECT on every view after each sync.
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO reports_reader;
