-- State-table row keys compare bytewise, PostgreSQL.
-- Applied at silo start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.
--
-- A paged state table (PagedStateTableAttribute) is read a page at a time in key order, and its grain merges those
-- pages with its own changes in ordinal order: the database must order row_key the same way, and its primary key must
-- serve that order. The database's default collation (en_US.UTF-8 and the like) orders punctuation and case otherwise,
-- so row_key takes the "C" collation; the primary key is rebuilt with it.
ALTER TABLE orderactors_grain_rows ALTER COLUMN row_key TYPE text COLLATE "C";
