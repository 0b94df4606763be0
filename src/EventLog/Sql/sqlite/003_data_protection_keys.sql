-- The ASP.NET Core Data Protection key ring, SQLite (SqlXmlRepository: one row per key or revocation).
-- Applied at start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.
--
-- Every process on the database reads the same key ring here, so what one protected (a webhook's signing secret)
-- another can unprotect. Rows are only added: Data Protection never changes an element it stored.
CREATE TABLE IF NOT EXISTS orderactors_data_protection_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name  TEXT NOT NULL,             -- as Data Protection names the element: key-{guid}, revocation-{time}
    xml            TEXT NOT NULL,             -- the element as Data Protection wrote it
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
