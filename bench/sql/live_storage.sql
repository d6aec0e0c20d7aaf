-- What the live reports store: every table of reports_data with its indexes and TOAST, the index
-- the incremental refresh reads product names through, and the orders tables for scale.
SELECT c.relname AS name,
       'reports_data table' AS kind,
       greatest(c.reltuples, 0)::bigint AS rows,
       pg_total_relation_size(c.oid) AS bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'reports_data' AND c.relkind = 'r'
UNION ALL
SELECT c.relname, 'index on orders_orderitem', greatest(c.reltuples, 0)::bigint,
       pg_relation_size(c.oid)
FROM pg_class AS c
WHERE c.relname = 'orderitem_sku_newest_idx' AND c.relkind = 'i'
UNION ALL
SELECT 'orders tables (for scale)', 'orders_*',
       (SELECT reltuples::bigint FROM pg_class WHERE oid = 'orders_order'::regclass),
       pg_total_relation_size('orders_customer') + pg_total_relation_size('orders_order')
       + pg_total_relation_size('orders_orderitem') + pg_total_relation_size('orders_orderstatus')
