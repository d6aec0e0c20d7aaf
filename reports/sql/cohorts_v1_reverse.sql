DROP VIEW IF EXISTS reports.cohort_month, reports_definition.cohort_month,
    reports_definition.customer_month;
DROP TABLE reports_data.cohort_month, reports_data.customer_month;
