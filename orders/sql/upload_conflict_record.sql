-- One refusal of a bound key's upload for another customer's order number, counted in one
-- statement: concurrent refusals (several gunicorn workers) wait for the row lock and the SET
-- then reads the row as the previous one left it, so none is lost. A window that has passed
-- starts again at this refusal. Returns the refusals in the window and when it started.
INSERT INTO orders_apikeyconflicts AS counted (key_id, window_started_at, refusals)
VALUES (%(key_id)s, statement_timestamp(), 1)
ON CONFLICT (key_id) DO UPDATE
SET refusals = CASE
        WHEN counted.window_started_at > statement_timestamp() - make_interval(secs => %(window)s)
        THEN counted.refusals + 1
        ELSE 1
    END,
    window_started_at = CASE
        WHEN counted.window_started_at > statement_timestamp() - make_interval(secs => %(window)s)
        THEN counted.window_started_at
        ELSE statement_timestamp()
    END
RETURNING refusals, window_started_at;
