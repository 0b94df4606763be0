-- OrderActors schema, PostgreSQL dialect, version 2: persistent streams (transactional outbox).
--
-- An event is appended in the same transaction as the state write that caused it. Its global position is
--   pg_current_xact_id() * 65536 + (its index within the transaction)
-- so positions grow with transaction ids, not with commit order. A tailing reader reads only positions below
--   pg_snapshot_xmin(pg_current_snapshot()) * 65536
-- (every transaction with a smaller id has committed or aborted, and no new one can get such an id), so it can
-- never move past an event whose transaction commits later. A long-open transaction delays readers; it never
-- makes them skip.

CREATE TABLE IF NOT EXISTS stream_events (
    global_position  bigint      PRIMARY KEY,
    stream_namespace text        NOT NULL,
    stream_key       text        NOT NULL,
    sequence         bigint      NOT NULL,      -- 1, 2, 3, ... per stream
    event_type       text        NOT NULL,
    payload          bytea       NOT NULL,      -- UTF-8 JSON
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_namespace, stream_key, sequence)
);
