-- The uploading customer's id, created on first sight. DO UPDATE (not DO NOTHING) so that the
-- id is returned even when a concurrent upload created the customer a moment ago.
INSERT INTO orders_customer (username)
VALUES (%(username)s)
ON CONFLICT (username) DO UPDATE SET username = EXCLUDED.username
RETURNING id;
