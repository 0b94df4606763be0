-- OrderActors schema, SQLite dialect, script 011: grain state of Orleans' ADO.NET grain storage, for grains whose
-- state is a plain document and appends no events. The table and its rules are PostgreSQL's
-- (011_orleans_persistence.sql): a row per (service, state name, grain key), version as the ETag, a clear keeps
-- the row with a NULL payload and a new version.
--
-- SQLite cannot modify rows inside a WITH, so the write is two statements in one command text. Orleans runs them
-- without a transaction; each commits on its own, and only one of them can match (an ETag or none), so the
-- write stays all or nothing. Orleans collects the rows of both; at most one comes back.

CREATE TABLE IF NOT EXISTS orleans_grain_state (
    service_id       TEXT    NOT NULL,
    state_name       TEXT    NOT NULL,          -- Orleans' @GrainTypeString: the [PersistentState] name
    grain_id_n0      INTEGER NOT NULL,
    grain_id_n1      INTEGER NOT NULL,
    grain_id_string  TEXT    NOT NULL,          -- string key or key extension; '' for none
    version          INTEGER NOT NULL,          -- the ETag
    payload          BLOB    NULL,              -- NULL once cleared
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_string)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', '
    SELECT payload AS PayloadBinary, version AS Version
      FROM orleans_grain_state
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = ifnull(@GrainIdExtensionString, '''')
'),

('WriteToStorageKey', '
    UPDATE orleans_grain_state
       SET payload = @PayloadBinary, version = version + 1,
           updated_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
     WHERE @GrainStateVersion IS NOT NULL
       AND service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = ifnull(@GrainIdExtensionString, '''')
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;

    INSERT INTO orleans_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_string, version, payload)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, ifnull(@GrainIdExtensionString, ''''), 1, @PayloadBinary
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version AS NewGrainStateVersion;
'),

('ClearStorageKey', '
    UPDATE orleans_grain_state
       SET payload = NULL, version = version + 1,
           updated_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = ifnull(@GrainIdExtensionString, '''')
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion
'),

-- Returns a version the row no longer has, as Orleans requires of a delete (see PostgreSQL's script).
('DeleteStorageKey', '
    DELETE FROM orleans_grain_state
     WHERE service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_string = ifnull(@GrainIdExtensionString, '''')
       AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion
')
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
