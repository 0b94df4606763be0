-- OrderActors schema, SQLite dialect, version 2: persistent streams (transactional outbox).
-- SQLite has one writer at a time, so positions taken inside a write transaction commit in order.

CREATE TABLE IF NOT EXISTS stream_events (
    global_position  INTEGER PRIMARY KEY,       -- max + 1 inside the write transaction
    stream_namespace TEXT    NOT NULL,
    stream_key       TEXT    NOT NULL,
    sequence         INTEGER NOT NULL,          -- 1, 2, 3, ... per stream
    event_type       TEXT    NOT NULL,
    payload          BLOB    NOT NULL,          -- UTF-8 JSON
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (stream_namespace, stream_key, sequence)
);
