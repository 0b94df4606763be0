-- Rows of the state tables of grains on the event-log storage (StateTable<T> properties of a grain's state), PostgreSQL.
-- Applied at silo start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.
--
-- A grain state with tables is stored in two parts, written in one transaction: its head (everything but the
-- tables) in orderactors_grain_state, whose version is the ETag of the whole state, and one row here per table entry.
-- A write touches the head and only the entries that changed since the last write, so its cost follows the change,
-- not the size of the state (a read model of every order ever placed writes only the orders of the last batch).
CREATE TABLE IF NOT EXISTS orderactors_grain_rows (
    grain_type  text  NOT NULL,
    grain_key   text  NOT NULL,
    state_name  text  NOT NULL,
    table_name  text  NOT NULL,     -- the table's property path in the state, e.g. Model.Orders
    row_key     text  NOT NULL,
    payload     bytea NOT NULL,     -- Orleans' grain-storage serializer output of the entry's value
    PRIMARY KEY (grain_type, grain_key, state_name, table_name, row_key)
);
