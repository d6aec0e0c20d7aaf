-- bench.peers' freshness probe: one empty order for the probe customer, committed on
-- its own; the server's clock after it is what as_of must reach.
INSERT INTO orders_order (order_number, created_at, total_amount, customer_id, currency, channel)
VALUES ('peers-probe-' || gen_random_uuid(), now(), 0, %(customer)s, 'USD', 'online')
