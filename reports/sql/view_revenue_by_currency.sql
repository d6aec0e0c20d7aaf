-- reports.revenue_by_currency (reports.models_money.RevenueByCurrency): the stored rows.
SELECT month, currency, orders_count, completed_orders, revenue_original, revenue,
       unconverted_orders, unconverted_revenue_original
FROM reports_data.revenue_by_currency
