-- psql script (project/embedded_postgres.py runs it on the embedded server's `postgres`
-- database, with -v database=<name>): creates the project's database on first use, and sets
-- conservative server settings for bulk loads and reports on a small machine, effective from
-- the next server start (the server restarts when the last process using it has exited).
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') AS database_missing \gset
\if :database_missing
CREATE DATABASE :"database";
ALTER SYSTEM SET shared_buffers = '512MB';
ALTER SYSTEM SET work_mem = '32MB';
ALTER SYSTEM SET maintenance_work_mem = '256MB';
ALTER SYSTEM SET max_wal_size = '4GB';
ALTER SYSTEM SET checkpoint_timeout = '15min';
ALTER SYSTEM SET max_connections = 200;
\endif
