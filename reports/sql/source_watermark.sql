-- The change counter of the tables a report view reads, directly or through other views:
-- rows inserted + updated + deleted, from PostgreSQL's cumulative statistics. No table is
-- scanned. The counters only grow; a statistics reset or a crash makes them differ, which only
-- means one refresh more. NULL when track_counts is off: refresh_reports then takes "changed".
WITH RECURSIVE source (relid) AS (
    SELECT %(view)s::regclass::oid
    UNION
    SELECT dependency.refobjid
    FROM source
    JOIN pg_rewrite AS rule ON rule.ev_class = source.relid
    JOIN pg_depend AS dependency
      ON dependency.classid = 'pg_rewrite'::regclass
     AND dependency.objid = rule.oid
     AND dependency.refclassid = 'pg_class'::regclass
     AND dependency.refobjid <> rule.ev_class
)
SELECT CASE WHEN current_setting('track_counts')::boolean
            THEN sum(stat.n_tup_ins + stat.n_tup_upd + stat.n_tup_del)::bigint
       END
FROM source
JOIN pg_class AS relation ON relation.oid = source.relid AND relation.relkind = 'r'
JOIN pg_stat_all_tables AS stat ON stat.relid = source.relid
