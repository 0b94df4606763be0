-- OrderActors schema, PostgreSQL dialect, script 012: the reminder table of Orleans' ADO.NET reminder service
-- (UseAdoNetReminderService).
--
-- Each silo owns a range of the consistent-hash ring and loads the reminders of the grains hashed into it. Orleans
-- passes the ring position as a signed 32-bit integer (the uint hash cast to int) and compares bounds the same
-- way, so grain_hash keeps that sign; a range whose begin is not below its end wraps around (ReadRangeRows2Key).
-- version is the reminder's ETag: it grows with every upsert and a delete must name the current one, so
-- unregistering through a stale reminder handle fails instead of removing the reminder registered since.

CREATE TABLE IF NOT EXISTS orleans_reminders (
    service_id     text        NOT NULL,
    grain_id       text        NOT NULL,        -- GrainId.ToString(), type/key
    reminder_name  text        NOT NULL,
    start_time     timestamptz NOT NULL,        -- first tick; Orleans sends UTC, the only kind Npgsql writes here
    period_ms      bigint      NOT NULL,
    grain_hash     integer     NOT NULL,
    version        integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey', $sql$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId
$sql$),

('ReadReminderRowKey', $sql$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$sql$),

-- The range (begin, end] when begin < end ...
('ReadRangeRows1Key', $sql$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$sql$),

-- ... and when it wraps past the top of the ring (begin = end is the whole ring).
('ReadRangeRows2Key', $sql$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$sql$),

-- Returns the reminder's new ETag.
('UpsertReminderRowKey', $sql$
    INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
       SET start_time = excluded.start_time,
           period_ms = excluded.period_ms,
           grain_hash = excluded.grain_hash,
           version = orleans_reminders.version + 1
    RETURNING version AS Version
$sql$),

-- Orleans reads one row with one column, true when the reminder was removed.
('DeleteReminderRowKey', $sql$
    WITH deleted AS (
        DELETE FROM orleans_reminders
         WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
        RETURNING 1
    )
    SELECT count(*) > 0 AS Deleted FROM deleted
$sql$),

('DeleteReminderRowsKey', $sql$
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId
$sql$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
