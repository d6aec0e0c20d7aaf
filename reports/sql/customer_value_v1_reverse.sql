DROP VIEW IF EXISTS reports.customer_value, reports_definition.customer_value;
DROP TABLE reports_data.customer_value_prediction, reports_data.customer_value_model;
