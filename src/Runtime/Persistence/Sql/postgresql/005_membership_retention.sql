-- OrderActors schema, PostgreSQL dialect, version 5: dead silos leave the membership table after a retention.
--
-- dead_at is when a silo became dead (by the database clock). Reads skip dead rows older than
-- OrderActors:Cluster:DeadSiloRetention, and silos delete them now and then with their suspicions (the foreign key
-- cascades). Deleting a dead row does not move the version: dead is final, so no status change can race with it.
-- Rows that were already dead count as dead since their last heartbeat.

ALTER TABLE membership ADD COLUMN IF NOT EXISTS dead_at timestamptz;

UPDATE membership SET dead_at = heartbeat_at WHERE status = 'dead' AND dead_at IS NULL;

CREATE INDEX IF NOT EXISTS membership_dead_at ON membership (cluster_id, dead_at) WHERE status = 'dead';
