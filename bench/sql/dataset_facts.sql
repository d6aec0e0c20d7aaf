-- What a benchmark dataset holds: exact counts of orders, cancelled orders and customers, the
-- planner's estimates for the two big child tables (exact counts would scan them), and its size.
SELECT (SELECT count(*) FROM orders_order) AS orders,
       (SELECT count(*) FROM orders_order WHERE current_status = %(cancelled)s) AS cancelled,
       (SELECT reltuples::bigint FROM pg_class WHERE oid = 'orders_orderstatus'::regclass)
           AS statuses,
       (SELECT reltuples::bigint FROM pg_class WHERE oid = 'orders_orderitem'::regclass) AS items,
       (SELECT count(*) FROM orders_customer) AS customers,
       pg_database_size(current_database()) AS bytes
