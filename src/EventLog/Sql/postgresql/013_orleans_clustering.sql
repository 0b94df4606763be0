-- OrderActors schema, PostgreSQL dialect, script 013: the membership table of Orleans' ADO.NET clustering
-- (UseAdoNetClustering on silos, and on clients, which only read the gateway list).
--
-- orleans_membership_version holds one row per cluster (Orleans' ClusterId, which it passes as @DeploymentId):
-- the version of the membership table. Every change of a silo's row except its heartbeat names the version it
-- read (@Version) and bumps it, in the same statement, so of two silos acting on the same view only the first
-- succeeds and the other re-reads; the version row's lock serializes them. A read returns the version with the
-- rows in one snapshot, and always one row even for an empty cluster (Orleans takes the version from the first
-- row and treats a row without a start time as "no silo").
--
-- orleans_membership has one row per silo incarnation (address, port, generation). Orleans writes the times
-- (UTC, its own clock), the status as SiloStatus numbers (2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping,
-- 6 Dead) and the suspicions as one string it formats and parses itself.

CREATE TABLE IF NOT EXISTS orleans_membership_version (
    cluster_id  text        PRIMARY KEY,
    version     integer     NOT NULL DEFAULT 0, -- the table's ETag; Orleans parses it as a 32-bit integer
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership (
    cluster_id       text        NOT NULL REFERENCES orleans_membership_version (cluster_id) ON DELETE CASCADE,
    address          text        NOT NULL,      -- IP address as text: Orleans reads a string and parses it
    port             integer     NOT NULL,
    generation       integer     NOT NULL,
    silo_name        text        NOT NULL,
    host_name        text        NOT NULL,
    status           integer     NOT NULL,
    proxy_port       integer     NOT NULL,      -- the gateway port; 0 when the silo is no gateway
    suspect_times    text        NULL,          -- "silo,time|silo,time", Orleans' format
    start_time       timestamptz NOT NULL,
    i_am_alive_time  timestamptz NOT NULL,      -- the heartbeat
    PRIMARY KEY (cluster_id, address, port, generation)
);

-- The reads of all rows and of one row return the same columns.
INSERT INTO orleansquery (querykey, querytext) VALUES
('MembershipReadAllKey', $sql$
    SELECT v.version AS Version,
           m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m ON m.cluster_id = v.cluster_id
     WHERE v.cluster_id = @DeploymentId
$sql$),

('MembershipReadRowKey', $sql$
    SELECT v.version AS Version,
           m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m
        ON m.cluster_id = v.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.cluster_id = @DeploymentId
$sql$),

-- Clients: the active silos that accept clients. Orleans builds each gateway address from these three columns.
('GatewaysQueryKey', $sql$
    SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
      FROM orleans_membership
     WHERE cluster_id = @DeploymentId AND status = @Status AND proxy_port > 0
$sql$),

-- Every silo tries this at start-up; true only for the one that created the cluster's version row.
('InsertMembershipVersionKey', $sql$
    WITH inserted AS (
        INSERT INTO orleans_membership_version (cluster_id) VALUES (@DeploymentId)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) > 0 AS Inserted FROM inserted
$sql$),

-- A silo joins: the version moves only when the row does not exist yet, and the row is inserted only when the
-- version moved, so the answer (true when inserted) never leaves one half done.
('InsertMembershipKey', $sql$
    WITH bumped AS (
        UPDATE orleans_membership_version
           SET version = version + 1, updated_at = now()
         WHERE cluster_id = @DeploymentId AND version = @Version
           AND NOT EXISTS (SELECT 1 FROM orleans_membership
                            WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING cluster_id
    ), inserted AS (
        INSERT INTO orleans_membership (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port,
                                        start_time, i_am_alive_time)
        SELECT cluster_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
          FROM bumped
        RETURNING 1
    )
    SELECT count(*) > 0 AS Inserted FROM inserted
$sql$),

-- A status change or a suspicion: the same pairing of version and row as the insert.
('UpdateMembershipKey', $sql$
    WITH bumped AS (
        UPDATE orleans_membership_version
           SET version = version + 1, updated_at = now()
         WHERE cluster_id = @DeploymentId AND version = @Version
           AND EXISTS (SELECT 1 FROM orleans_membership
                        WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING cluster_id
    ), updated AS (
        UPDATE orleans_membership m
           SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
          FROM bumped
         WHERE m.cluster_id = bumped.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
        RETURNING 1
    )
    SELECT count(*) > 0 AS Updated FROM updated
$sql$),

-- The heartbeat: a silo writes only its own row, so it needs no version.
('UpdateIAmAlivetimeKey', $sql$
    UPDATE orleans_membership
       SET i_am_alive_time = @IAmAliveTime
     WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

-- Dead is final, so removing dead rows moves no version.
('CleanupDefunctSiloEntriesKey', $sql$
    DELETE FROM orleans_membership
     WHERE cluster_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime
$sql$),

-- The whole cluster, version row included (the foreign key cascades).
('DeleteMembershipTableEntriesKey', $sql$
    DELETE FROM orleans_membership_version WHERE cluster_id = @DeploymentId
$sql$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
