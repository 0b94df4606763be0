-- Rows of the state tables of grains on the event-log storage (StateTable<T> properties of a grain's state), SQLite.
-- Applied at start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.
--
-- A grain state with tables is stored in two parts, written in one transaction: its head (everything but the
-- tables) in orderactors_grain_state, whose version is the ETag of the whole state, and one row here per table entry.
-- A write touches the head and only the entries that changed since the last write.
CREATE TABLE IF NOT EXISTS orderactors_grain_rows (
    grain_type  TEXT NOT NULL,
    grain_key   TEXT NOT NULL,
    state_name  TEXT NOT NULL,
    table_name  TEXT NOT NULL,      -- the table's property path in the state, e.g. Model.Orders
    row_key     TEXT NOT NULL,
    payload     BLOB NOT NULL,      -- Orleans' grain-storage serializer output of the entry's value
    PRIMARY KEY (grain_type, grain_key, state_name, table_name, row_key)
) WITHOUT ROWID;
