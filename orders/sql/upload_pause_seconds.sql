-- Seconds until a bound key refused UPLOAD_CONFLICT_LIMIT times in its current window may
-- upload again (no row: it may upload now).
SELECT ceil(extract(epoch FROM window_started_at + make_interval(secs => %(window)s)
                               - statement_timestamp()))::integer
FROM orders_apikeyconflicts
WHERE key_id = %(key_id)s
  AND refusals >= %(limit)s
  AND window_started_at > statement_timestamp() - make_interval(secs => %(window)s);
