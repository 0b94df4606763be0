-- OrderActors schema, PostgreSQL dialect, version 3: explicit stream subscriptions.
--
-- One row per (stream, consumer grain) that subscribed at run time. The consumer's own state holds the sequence it
-- applied (its checkpoint, written with its model); delivered_sequence is only a hint the silo keeps so that it can
-- tell, after a restart, which subscriptions have events waiting without activating every consumer. It is never
-- ahead of the consumer's checkpoint, so starting from it can repeat events (the consumer skips them), never lose one.

CREATE TABLE IF NOT EXISTS stream_subscriptions (
    stream_namespace   text        NOT NULL,
    stream_key         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_key          text        NOT NULL,
    delivered_sequence bigint      NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_namespace, stream_key, grain_type, grain_key)
);
