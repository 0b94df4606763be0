-- OrderActors event log and evented grain state, PostgreSQL.
-- Applied at silo start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.

-- State of grains that use IEventedState<T>: one row per grain and state name; version is the ETag.
CREATE TABLE IF NOT EXISTS orderactors_grain_state (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    state_name  text        NOT NULL,
    version     bigint      NOT NULL,       -- compare-and-swap token; +1 per write or clear
    payload     bytea       NULL,           -- Orleans' grain-storage serializer output; NULL is a cleared record (tombstone)
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key, state_name)
);

-- The log. An event is inserted in the same transaction as the state write that caused it. Its global position is
--   pg_current_xact_id() * 65536 + (its index within the write)
-- so positions grow with transaction ids, not with commit order. A tailing reader reads only positions below
--   pg_snapshot_xmin(pg_current_snapshot()) * 65536
-- (every transaction with a smaller id has committed or aborted, and no new one can get such an id), so it never
-- moves past an event whose transaction commits later. A long-open transaction delays readers; it never makes them skip.
CREATE TABLE IF NOT EXISTS orderactors_events (
    global_position  bigint      PRIMARY KEY,
    queue_id         integer     NOT NULL,  -- the stream's queue: stable hash of namespace/key mod the log's queue count
    stream_namespace text        NOT NULL,
    stream_key       text        NOT NULL,
    sequence         bigint      NOT NULL,  -- 1, 2, 3, ... per stream
    event_type       text        NOT NULL,  -- the domain's name, e.g. order.confirmed
    clr_type         text        NOT NULL,  -- the payload's .NET type as Orleans formats it (aliases survive renames)
    payload          bytea       NOT NULL,  -- UTF-8 JSON
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_namespace, stream_key, sequence)
);

CREATE INDEX IF NOT EXISTS orderactors_events_by_queue ON orderactors_events (queue_id, global_position);

-- How far each stream provider's queue receiver has handed events over for delivery. Never ahead of what every
-- consumer was given, so a restarted receiver repeats events (consumers skip what their checkpoint holds), never
-- loses one.
CREATE TABLE IF NOT EXISTS orderactors_stream_queues (
    provider    text        NOT NULL,
    queue_id    integer     NOT NULL,
    position    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, queue_id)
);
