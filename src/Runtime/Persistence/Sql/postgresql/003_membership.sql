-- OrderActors schema, PostgreSQL dialect, version 3: cluster membership, and reminder ticks claimed once.
--
-- membership_version holds one row per cluster: the table version, which grows by one with every status change
-- of any silo of the cluster (a join, a leave, a death). It is the version of the membership view. A status
-- change is a transaction that first runs
--   UPDATE membership_version SET version = version + 1 WHERE cluster_id = @cluster AND version = @expected
-- and gives up (rolls back) when no row matched: the writer read an older table and must read again. Two silos
-- declaring the same silo dead, or a silo joining while another dies, therefore never lose an update.
--
-- membership has one row per silo incarnation (host, port, generation). Heartbeats and suspicions do not change
-- the version: a silo writes only its own heartbeat and its own suspicions, so no two writers share a row.
-- Times are written with the database clock (now()), so the clocks of the silos do not matter.

CREATE TABLE IF NOT EXISTS membership_version (
    cluster_id  text        PRIMARY KEY,
    version     bigint      NOT NULL,           -- +1 per status change in the cluster
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS membership (
    cluster_id    text        NOT NULL REFERENCES membership_version (cluster_id),
    host          text        NOT NULL,
    port          integer     NOT NULL,
    generation    bigint      NOT NULL,         -- the incarnation: start time in Unix milliseconds
    status        text        NOT NULL CHECK (status IN ('joining', 'active', 'shutting_down', 'dead')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster_id, host, port, generation)
);

-- Which live silo suspected which silo, and when (the latest time; one row per pair).
CREATE TABLE IF NOT EXISTS membership_suspicions (
    cluster_id    text        NOT NULL,
    host          text        NOT NULL,
    port          integer     NOT NULL,
    generation    bigint      NOT NULL,
    suspecter     text        NOT NULL,         -- the suspecting silo, host:port@generation
    suspected_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster_id, host, port, generation, suspecter),
    FOREIGN KEY (cluster_id, host, port, generation) REFERENCES membership (cluster_id, host, port, generation) ON DELETE CASCADE
);

-- In a cluster a reminder's tick is claimed before it is delivered (the last claimed tick, Unix milliseconds,
-- only ever grows), so two silos that briefly both believe they own a grain never both deliver one tick.
ALTER TABLE reminders ADD COLUMN IF NOT EXISTS last_tick_ms bigint NOT NULL DEFAULT 0;
