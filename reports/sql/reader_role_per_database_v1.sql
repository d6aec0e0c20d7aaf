-- Each database's own reader role (frozen: migration reports.0005 reads this file).
-- {reader} is reports.roles.reader_role_name(current_database()), {database} this database.
-- Before, the cluster-wide reports_reader held CONNECT on every database of the app, so a BI
-- user made for one database read the reports of all of them. reports_reader itself stays:
-- databases of the cluster that have not migrated yet still use it.
DO $$
BEGIN
    CREATE ROLE {reader} NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    -- A database dropped and created again under its name finds its reader still there. A role
    -- of that name that can log in is someone's user, not a reader: stop rather than use it.
    IF (SELECT rolcanlogin FROM pg_roles WHERE rolname = {reader_name}) THEN
        RAISE EXCEPTION 'role % exists and can log in: it cannot be the reports reader role',
            {reader_name};
    END IF;
END
$$;

GRANT CONNECT ON DATABASE {database} TO {reader};
REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM reports_reader;

-- Every privilege reports_reader holds in this database moves to the new role: on relations
-- (SELECT on the report views), on schemas (USAGE on reports), and the default privileges that
-- make the views pgviews-redux re-creates readable at once.
DO $$
DECLARE
    old_role CONSTANT text := 'reports_reader';
    new_role CONSTANT text := {reader_name};
    held record;
BEGIN
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

-- Who read the reports here through reports_reader keeps reading them: each of its members
-- (the BI users create_bi_user made) becomes a member of the new role. The cluster never
-- recorded which database a BI user was made for, so each database of the app that migrates
-- takes in all of them; docs/DESIGN.md (section 8) says how to list them and revoke the extra
-- memberships.
DO $$
DECLARE
    member text;
BEGIN
    FOR member IN
        SELECT m.member::regrole::text FROM pg_auth_members AS m
        WHERE m.roleid = 'reports_reader'::regrole
    LOOP
        EXECUTE format('GRANT %I TO %s', {reader_name}, member);
    END LOOP;
END
$$;

COMMENT ON SCHEMA reports IS
    'The order reports as views, kept current within about a second by refresh_reports; '
    'reports.freshness says how current. BI tools read here as members of this database''s '
    'reader role, reports_reader_<database>.';
