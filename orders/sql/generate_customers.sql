-- Customers customer_0000001 .. customer_<n> for `generateorders`; existing ones are kept.
INSERT INTO orders_customer (username)
SELECT 'customer_' || lpad(k::text, 7, '0')
FROM generate_series(1, %(customers)s::bigint) AS k
ON CONFLICT (username) DO NOTHING;
