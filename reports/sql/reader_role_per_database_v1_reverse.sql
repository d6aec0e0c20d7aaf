-- Undoes reader_role_per_database_v1.sql (frozen: migration reports.0005 reads this file).
-- reports_reader gets its grants in this database back; every member of this database's role
-- (BI users made since) becomes a member of reports_reader, so that it keeps reading.
GRANT CONNECT ON DATABASE {database} TO reports_reader;

DO $$
DECLARE
    old_role CONSTANT text := {reader_name};
    new_role CONSTANT text := 'reports_reader';
    held record;
    member text;
BEGIN
    FOR member IN
        SELECT m.member::regrole::text FROM pg_auth_members AS m
        WHERE m.roleid = old_role::regrole
    LOOP
        EXECUTE format('GRANT %I TO %s', new_role, member);
    END LOOP;
    FOR held IN
        SELECT c.oid::regclass AS relation, a.privilege_type
        FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a
        WHERE a.grantee = old_role::regrole AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
    LOOP
        EXECUTE format('GRANT %s ON %s TO %I', held.privilege_type, held.relation, new_role);
        EXECUTE format('REVOKE %s ON %s FROM %I', held.privilege_type, held.relation, old_role);
    END LOOP;
    FOR held IN
        SELECT n.nspname, a.privilege_type
        FROM pg_namespace AS n CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
        WHERE a.grantee = old_role::regrole
    LOOP
        EXECUTE format('GRANT %s ON SCHEMA %I TO %I', held.privilege_type, held.nspname, new_role);
        EXECUTE format('REVOKE %s ON SCHEMA %I FROM %I',
                       held.privilege_type, held.nspname, old_role);
    END LOOP;
    FOR held IN
        SELECT d.defaclrole::regrole AS owner, d.defaclnamespace::regnamespace AS schema,
               a.privilege_type
        FROM pg_default_acl AS d CROSS JOIN LATERAL aclexplode(d.defaclacl) AS a
        WHERE a.grantee = old_role::regrole AND d.defaclobjtype = 'r'
              AND d.defaclnamespace <> 0
    LOOP
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT %s ON TABLES TO %I',
                       held.owner, held.schema, held.privilege_type, new_role);
        EXECUTE format(
            'ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s REVOKE %s ON TABLES FROM %I',
            held.owner, held.schema, held.privilege_type, old_role);
    END LOOP;
END
$$;

REVOKE CONNECT ON DATABASE {database} FROM {reader};
DO $$
BEGIN
    DROP ROLE {reader};
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE '% is kept: it still holds privileges elsewhere', {reader_name};
END
$$;

COMMENT ON SCHEMA reports IS
    'The order reports as views, kept current within about a second by refresh_reports; '
    'reports.freshness says how current. BI tools read here through the reports_reader role.';
