-- The database's own limit: one durable one-row insert per transaction (pgbench runs each line in its own
-- autocommit transaction).
INSERT INTO one_row (client_id, payload) VALUES (:client_id, 'order');
