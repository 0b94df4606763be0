-- OrderActors schema, PostgreSQL dialect, script 010: the query table of Orleans' ADO.NET providers.
--
-- Orleans' ADO.NET packages (persistence, reminders, clustering) ship no SQL. At start-up each provider reads
--   SELECT QueryKey, QueryText FROM OrleansQuery
-- and from then on runs only those texts, so this table is the whole contract between Orleans and our schema:
-- scripts 011 onwards create their tables and upsert their rows here. To change a query, add a script that
-- upserts its row again (OrderActorsSchema never re-runs a script it has recorded); silos read it when they
-- next start.
--
-- Conventions of the query texts: our tables and columns are lower-case snake_case; the names Orleans binds and
-- reads keep Orleans' spelling, @ServiceId for a parameter and "AS Version" for a result column. Npgsql matches
-- both without regard to case, but SQLite binds parameters by their exact name, so the two dialects spell them
-- alike.

CREATE TABLE IF NOT EXISTS orleansquery (
    querykey   varchar(64)   PRIMARY KEY,       -- e.g. WriteToStorageKey; Orleans fails to start when one it needs is missing
    querytext  varchar(8000) NOT NULL
);
