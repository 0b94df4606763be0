-- OrderActors event log and evented grain state, SQLite.
-- Applied at start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.

-- State of grains that use IEventedState<T>: one row per grain and state name; version is the ETag.
CREATE TABLE IF NOT EXISTS orderactors_grain_state (
    grain_type  TEXT    NOT NULL,
    grain_key   TEXT    NOT NULL,
    state_name  TEXT    NOT NULL,
    version     INTEGER NOT NULL,           -- compare-and-swap token; +1 per write or clear
    payload     BLOB    NULL,               -- Orleans' grain-storage serializer output; NULL is a cleared record (tombstone)
    updated_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (grain_type, grain_key, state_name)
) WITHOUT ROWID;

-- The log. SQLite has one writer at a time, so a position taken as max + 1 inside a write transaction commits
-- before any larger one: readers need no horizon.
CREATE TABLE IF NOT EXISTS orderactors_events (
    global_position  INTEGER PRIMARY KEY,
    queue_id         INTEGER NOT NULL,      -- the stream's queue: stable hash of namespace/key mod the log's queue count
    stream_namespace TEXT    NOT NULL,
    stream_key       TEXT    NOT NULL,
    sequence         INTEGER NOT NULL,      -- 1, 2, 3, ... per stream
    event_type       TEXT    NOT NULL,      -- the domain's name, e.g. order.confirmed
    clr_type         TEXT    NOT NULL,      -- the payload's .NET type as Orleans formats it (aliases survive renames)
    payload          BLOB    NOT NULL,      -- UTF-8 JSON
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (stream_namespace, stream_key, sequence)
);

CREATE INDEX IF NOT EXISTS orderactors_events_by_queue ON orderactors_events (queue_id, global_position);

-- How far each stream provider's queue receiver has handed events over for delivery (never ahead of the consumers).
CREATE TABLE IF NOT EXISTS orderactors_stream_queues (
    provider    TEXT    NOT NULL,
    queue_id    INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    updated_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (provider, queue_id)
) WITHOUT ROWID;
