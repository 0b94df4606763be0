-- OrderActors schema, PostgreSQL dialect, version 1.
-- Applied by the silo at start-up (table orderactors_schema records what ran); DBAs may run it by hand.

CREATE TABLE IF NOT EXISTS grain_state (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    state_name  text        NOT NULL,
    version     bigint      NOT NULL,           -- compare-and-swap token (ETag); +1 per write or clear
    payload     bytea       NULL,               -- UTF-8 JSON; NULL is a cleared record (tombstone)
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key, state_name)
);

CREATE TABLE IF NOT EXISTS reminders (
    grain_type     text   NOT NULL,
    grain_key      text   NOT NULL,
    reminder_name  text   NOT NULL,
    start_at_ms    bigint NOT NULL,             -- first due time, Unix milliseconds
    period_ms      bigint NOT NULL,
    PRIMARY KEY (grain_type, grain_key, reminder_name)
);
