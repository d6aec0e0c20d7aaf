-- reports.freshness (reports.models.Freshness): how current the reports are, for BI users,
-- who cannot read the change log itself. One row for all reports: they are applied together.
SELECT state.as_of,
       pending.changes AS pending_changes,
       pending.oldest_at AS oldest_pending_at,
       CASE WHEN pending.oldest_at IS NULL THEN interval '0'
            ELSE clock_timestamp() - pending.oldest_at END AS lag,
       state.rebuild_required,
       state.stale_after,
       (state.as_of IS NULL
        OR state.rebuild_required
        OR coalesce(clock_timestamp() - pending.oldest_at > state.stale_after, false)) AS stale
FROM reports_data.refresh_state AS state
CROSS JOIN (
    SELECT count(*) AS changes, min(change.logged_at) AS oldest_at
    FROM (
        SELECT logged_at FROM reports_data.order_change
        UNION ALL
        SELECT logged_at FROM reports_data.customer_change
    ) AS change
) AS pending
