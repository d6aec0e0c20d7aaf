-- Is there anything for refresh_reports to do? Cheap: stops at the first change log row.
SELECT state.rebuild_required
       OR EXISTS (SELECT FROM reports_data.order_change)
       OR EXISTS (SELECT FROM reports_data.customer_change)
       OR EXISTS (SELECT FROM reports_data.catalog_change)
       OR EXISTS (SELECT FROM reports_data.rate_change)
FROM reports_data.refresh_state AS state
