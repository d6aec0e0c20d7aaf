-- Exchange rates by (currency, day), in one statement: new ones inserted, those whose value
-- changed updated, the others not rewritten (an equal rate is no change: no new row version,
-- nothing logged to reports_data.rate_change). Rows in (currency, day) order: concurrent
-- uploads take their row locks in one order. (xmax = 0) tells an insert from an update; a
-- row not returned was unchanged. Rows arrive as one JSON array parameter, rates as text.
INSERT INTO currencies_exchangerate AS r (currency, day, rate, source, updated_at)
SELECT incoming.currency, incoming.day, incoming.rate, %(source)s, now()
FROM jsonb_to_recordset(%(rates)s::jsonb) AS incoming(currency text, day date, rate numeric)
ORDER BY incoming.currency, incoming.day
ON CONFLICT (currency, day) DO UPDATE
SET rate = EXCLUDED.rate, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
WHERE r.rate IS DISTINCT FROM EXCLUDED.rate
RETURNING (r.xmax = 0) AS created
