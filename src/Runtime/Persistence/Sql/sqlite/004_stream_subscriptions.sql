-- OrderActors schema, SQLite dialect, version 3: explicit stream subscriptions.
-- One row per (stream, consumer grain); delivered_sequence is a hint never ahead of the consumer's own checkpoint.

CREATE TABLE IF NOT EXISTS stream_subscriptions (
    stream_namespace   TEXT    NOT NULL,
    stream_key         TEXT    NOT NULL,
    grain_type         TEXT    NOT NULL,
    grain_key          TEXT    NOT NULL,
    delivered_sequence INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (stream_namespace, stream_key, grain_type, grain_key)
) WITHOUT ROWID;
