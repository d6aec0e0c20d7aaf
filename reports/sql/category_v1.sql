-- The category report's storage (reports.0007): revenue, units and orders per category and
-- month, rolled up to every ancestor; the catalog as last applied to it; and the catalog's
-- change log (statement triggers on catalog_product and catalog_category, catalog.0002).
CREATE TABLE reports_data.category_sales (
    category_id bigint NOT NULL,
    month date NOT NULL,
    units_sold bigint NOT NULL,
    revenue numeric(38, 2) NOT NULL,
    orders_count bigint NOT NULL,
    PRIMARY KEY (category_id, month)
);
COMMENT ON TABLE reports_data.category_sales IS
    'Complete orders per category (and every ancestor) and month; category_id 0: uncategorised.';

-- Which category each product was in when the report last applied the catalog (products
-- without one are absent: uncategorised).
CREATE TABLE reports_data.category_product_applied (
    sku varchar(50) PRIMARY KEY,
    category_id bigint NOT NULL
);
CREATE INDEX category_product_applied_category_idx
    ON reports_data.category_product_applied (category_id);

-- Every category with itself and each ancestor (depth 0: itself), as last applied; (0, 0, 0)
-- stands for uncategorised.
CREATE TABLE reports_data.category_tree_applied (
    category_id bigint NOT NULL,
    ancestor_id bigint NOT NULL,
    depth integer NOT NULL,
    PRIMARY KEY (category_id, ancestor_id)
);

CREATE TABLE reports_data.catalog_change (
    sku varchar(50),
    category_id bigint,
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE reports_data.catalog_change IS
    'Products (sku) and categories (category_id) written since the category report last '
    'applied the catalog; consumed by refresh_reports.';

-- An empty database's report is already right: nothing sold, every category at depth 0.
INSERT INTO reports_data.category_tree_applied VALUES (0, 0, 0);

-- Orders already stored are not in the new report yet: the next refresh rebuilds.
UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'reports.0007 added the category report';

-- The top products of a category (reports.category.category_top_products) walk these.
CREATE INDEX product_sales_revenue_idx ON reports_data.product_sales (revenue DESC, sku);
CREATE INDEX product_sales_units_idx ON reports_data.product_sales (units_sold DESC, sku);
