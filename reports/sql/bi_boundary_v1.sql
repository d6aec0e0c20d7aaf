-- What a BI user may do in this database (frozen: migration reports.0003 reads this file).
-- PostgreSQL grants CONNECT and TEMPORARY on every database to PUBLIC: any role could connect
-- here and create temporary tables and pg_temp functions. Only the role that runs the
-- migrations (the app's) and the reports readers keep CONNECT; only the app keeps TEMPORARY
-- (refresh_reports builds temporary tables). Other databases of the cluster are the cluster
-- administrator's to close: `REVOKE CONNECT ON DATABASE postgres FROM PUBLIC`, and so on.
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I',
                   current_database(), current_user);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO reports_reader', current_database());
END
$$;
