-- reports.revenue_by_channel (reports.models_money.RevenueByChannel): the stored rows.
SELECT month, channel, orders_count, completed_orders, cancelled_orders, revenue
FROM reports_data.revenue_by_channel
