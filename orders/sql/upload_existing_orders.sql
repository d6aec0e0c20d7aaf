SELECT id, order_number, customer_id, current_status, uploaded_status
FROM orders_order
WHERE order_number = ANY (%(numbers)s::text[]);
