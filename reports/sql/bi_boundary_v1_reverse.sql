-- Reverse of bi_boundary_v1.sql (frozen): PostgreSQL's defaults again.
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM reports_reader', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
