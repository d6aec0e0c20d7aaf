-- Ids for the orders this upload creates and for their first history rows, drawn up front so
-- that each new order is written once, already carrying its latest status.
SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('orders_order', 'id'))
             FROM generate_series(1, %(orders)s)),
       ARRAY(SELECT nextval(pg_get_serial_sequence('orders_orderstatus', 'id'))
             FROM generate_series(1, %(statuses)s));
