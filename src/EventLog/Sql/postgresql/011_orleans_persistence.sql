-- OrderActors schema, PostgreSQL dialect, script 011: grain state of Orleans' ADO.NET grain storage
-- (AddAdoNetGrainStorage), for grains whose state is a plain document and appends no events.
--
-- What Orleans passes: the service id, the state name (as @GrainTypeString; Orleans passes the name given to
-- [PersistentState], not the grain class, and no grain type at all), and the grain key split in three: a guid or
-- integer key as two int64 halves (@GrainIdN0, @GrainIdN1; both 0 for a string key) and a string
-- (@GrainIdExtensionString: the key of a string-keyed grain, the key extension of a compound key, else NULL).
-- It also passes 32-bit hashes of the key and of the state name, meant for a narrow index; we key the table by
-- the values themselves, so no two grains can meet on a hash collision, and ignore the hashes.
--
-- So a row belongs to (service, state name, key): two grain classes that share a storage provider, a state name
-- and a key share a row. Give each grain class's state its own name.
--
-- The ETag is version, a counter Orleans hands back on the next write. A write with no ETag inserts version 1
-- and fails if any row exists; a write with an ETag updates only that version and bumps it. A write that changed
-- nothing returns no row, which Orleans reports as InconsistentStateException. A clear keeps the row with a NULL
-- payload and bumps the version (so an activation that still holds the old ETag cannot write after it), unless
-- the provider runs with DeleteStateOnClear, which deletes the row: the next write starts over at version 1, and
-- an activation that held version 1 before the clear could then write over it. Prefer the default.

CREATE TABLE IF NOT EXISTS orleans_grain_state (
    service_id       text        NOT NULL,
    state_name       text        NOT NULL,
    grain_id_n0      bigint      NOT NULL,
    grain_id_n1      bigint      NOT NULL,
    grain_id_string  text        NOT NULL,      -- '' for none: Orleans never makes an empty key extension
    version          integer     NOT NULL,      -- the ETag; Orleans parses it as a 32-bit integer
    payload          bytea       NULL,          -- as serialized by the provider's IGrainStorageSerializer; NULL once cleared
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_string)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $sql$
    SELECT payload AS PayloadBinary, version AS Version
      FROM orleans_grain_state
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = coalesce(@GrainIdExtensionString, '')
$sql$),

-- One statement, so it needs no function: exactly one of the two branches can change a row. Under concurrent
-- writers the UPDATE re-checks the version of the row it waited for, and the INSERT yields to the row another
-- writer inserted first; the loser gets no row back.
('WriteToStorageKey', $sql$
    WITH updated AS (
        UPDATE orleans_grain_state
           SET payload = @PayloadBinary, version = version + 1, updated_at = now()
         WHERE @GrainStateVersion IS NOT NULL
           AND service_id = @ServiceId
           AND state_name = @GrainTypeString
           AND grain_id_n0 = @GrainIdN0
           AND grain_id_n1 = @GrainIdN1
           AND grain_id_string = coalesce(@GrainIdExtensionString, '')
           AND version = @GrainStateVersion
        RETURNING version
    ), inserted AS (
        INSERT INTO orleans_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_string, version, payload)
        SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''), 1, @PayloadBinary
         WHERE @GrainStateVersion IS NULL
        ON CONFLICT DO NOTHING
        RETURNING version
    )
    SELECT version AS NewGrainStateVersion FROM updated
    UNION ALL
    SELECT version FROM inserted
$sql$),

('ClearStorageKey', $sql$
    UPDATE orleans_grain_state
       SET payload = NULL, version = version + 1, updated_at = now()
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = coalesce(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion
$sql$),

-- Orleans checks that the version it gets back differs from the ETag it sent, then forgets the ETag: the next
-- write inserts afresh. Hence version + 1, which no longer exists anywhere.
('DeleteStorageKey', $sql$
    DELETE FROM orleans_grain_state
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = coalesce(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion
$sql$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
