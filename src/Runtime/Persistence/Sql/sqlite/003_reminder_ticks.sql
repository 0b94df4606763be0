-- OrderActors schema, SQLite dialect, version 3: the claimed-tick column of reminders.
-- Membership (PostgreSQL's 003_membership.sql) is PostgreSQL only: SQLite is the one-machine default and never
-- forms a cluster. The reminder table is shared ADO.NET code, so both dialects have the column.

ALTER TABLE reminders ADD COLUMN last_tick_ms INTEGER NOT NULL DEFAULT 0;   -- last claimed tick, Unix milliseconds
