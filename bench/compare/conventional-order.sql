-- The conventional design: one transaction per order locks its stock row, refuses when it is short, else decrements
-- it and inserts the order and its line. -D skus=N picks the SKU at random among N rows (1 for a flash sale).
\set n random(1, :skus)
BEGIN;
SELECT on_hand FROM stock WHERE id = :n FOR UPDATE \gset
\if :on_hand > 0
UPDATE stock SET on_hand = on_hand - 1 WHERE id = :n;
INSERT INTO orders (customer_id, email, status, currency, total) VALUES ('customer-' || :client_id, 'load@example.com', 'confirmed', 'USD', 10.00) RETURNING id AS order_id \gset
INSERT INTO order_lines (order_id, line_no, stock_id, quantity, unit_price) VALUES (:order_id, 1, :n, 1, 10.00);
\endif
COMMIT;
