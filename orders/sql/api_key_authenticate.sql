-- The active key with this prefix (orders.api_keys.api_key_authenticate), and whether its
-- last_used_at is older than %(touch_seconds)s (then the caller stamps it: one write a minute a key).
SELECT id, name, digest, scope, customer_id,
       last_used_at IS NULL
           OR last_used_at < now() - make_interval(secs => %(touch_seconds)s) AS stale
FROM orders_apikey
WHERE prefix = %(prefix)s AND revoked_at IS NULL
