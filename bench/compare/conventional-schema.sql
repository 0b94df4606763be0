-- The conventional design's tables: a stock row per SKU, and orders with their lines.
CREATE TABLE one_row (id bigserial PRIMARY KEY, client_id int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE stock (id int PRIMARY KEY, sku text NOT NULL UNIQUE, on_hand int NOT NULL CHECK (on_hand >= 0));
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id text NOT NULL,
  email text NOT NULL,
  status text NOT NULL,
  currency text NOT NULL,
  total numeric(12, 2) NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE order_lines (
  order_id bigint NOT NULL REFERENCES orders,
  line_no int NOT NULL,
  stock_id int NOT NULL REFERENCES stock,
  quantity int NOT NULL,
  unit_price numeric(12, 2) NOT NULL,
  PRIMARY KEY (order_id, line_no));
