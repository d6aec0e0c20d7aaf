-- Undoes reader_role_v1.sql (frozen: migration reports.0001 reads this file).
ALTER DEFAULT PRIVILEGES IN SCHEMA reports REVOKE SELECT ON TABLES FROM reports_reader;
REVOKE ALL ON ALL TABLES IN SCHEMA reports FROM reports_reader;
REVOKE USAGE ON SCHEMA reports FROM reports_reader;
DO $$
BEGIN
    DROP ROLE IF EXISTS reports_reader;
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE 'reports_reader is kept: another database of the cluster still grants it privileges';
END
$$;
