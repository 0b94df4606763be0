-- OrderActors schema, SQLite dialect, script 010: the query table of Orleans' ADO.NET providers.
--
-- Orleans' ADO.NET packages ship no SQL: each provider reads SELECT QueryKey, QueryText FROM OrleansQuery at
-- start-up and runs only those texts (PostgreSQL's 010_orleans_queries.sql says more). Orleans knows SQLite by the
-- invariant System.Data.SQLite and opens it with Microsoft.Data.Sqlite, which binds parameters by their exact,
-- case-sensitive name: the query texts spell them as Orleans does (@ServiceId), and name their result columns so.

CREATE TABLE IF NOT EXISTS orleansquery (
    querykey   TEXT PRIMARY KEY,                -- e.g. WriteToStorageKey
    querytext  TEXT NOT NULL
);
