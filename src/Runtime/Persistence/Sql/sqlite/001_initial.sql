-- OrderActors schema, SQLite dialect, version 1.
-- Applied by the silo at start-up (table orderactors_schema records what ran).

CREATE TABLE IF NOT EXISTS grain_state (
    grain_type  TEXT    NOT NULL,
    grain_key   TEXT    NOT NULL,
    state_name  TEXT    NOT NULL,
    version     INTEGER NOT NULL,               -- compare-and-swap token (ETag); +1 per write or clear
    payload     BLOB    NULL,                   -- UTF-8 JSON; NULL is a cleared record (tombstone)
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (grain_type, grain_key, state_name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reminders (
    grain_type     TEXT    NOT NULL,
    grain_key      TEXT    NOT NULL,
    reminder_name  TEXT    NOT NULL,
    start_at_ms    INTEGER NOT NULL,            -- first due time, Unix milliseconds
    period_ms      INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key, reminder_name)
) WITHOUT ROWID;
