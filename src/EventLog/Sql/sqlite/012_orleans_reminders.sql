-- OrderActors schema, SQLite dialect, script 012: the reminder table of Orleans' ADO.NET reminder service. Orleans
-- ships no SQLite reminder script; the table and its rules are PostgreSQL's (012_orleans_reminders.sql): ring
-- positions as signed 32-bit integers, version as the reminder's ETag.
--
-- Microsoft.Data.Sqlite writes a DateTime parameter as text ('2025-01-31 08:00:00.1234567', the UTC time Orleans
-- gives it) and parses it back for GetDateTime, so start_time is that text. Integers come back as Int64, which
-- Orleans' readers (GetInt64, Convert.ToInt32) accept: the query texts need no CASTs.

CREATE TABLE IF NOT EXISTS orleans_reminders (
    service_id     TEXT    NOT NULL,
    grain_id       TEXT    NOT NULL,            -- GrainId.ToString(), type/key
    reminder_name  TEXT    NOT NULL,
    start_time     TEXT    NOT NULL,            -- first tick, UTC
    period_ms      INTEGER NOT NULL,
    grain_hash     INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId
'),

('ReadReminderRowKey', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
'),

('ReadRangeRows1Key', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
'),

('ReadRangeRows2Key', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
'),

('UpsertReminderRowKey', '
    INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
       SET start_time = excluded.start_time,
           period_ms = excluded.period_ms,
           grain_hash = excluded.grain_hash,
           version = orleans_reminders.version + 1
    RETURNING version AS Version
'),

-- Orleans reads exactly one row. A DELETE ... RETURNING yields none when nothing matched, and SQLite allows no
-- RETURNING in a subquery, so the count comes from changes(), which belongs to this connection and statement.
('DeleteReminderRowKey', '
    DELETE FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version;

    SELECT changes() > 0 AS Deleted;
'),

('DeleteReminderRowsKey', '
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId
')
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
