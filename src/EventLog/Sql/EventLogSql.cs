namespace OrderActors.EventLog.Sql;

/// <summary>The event log's statements that differ between PostgreSQL and SQLite.</summary>
internal static class EventLogSql
{
    public const string Columns = "global_position, stream_namespace, stream_key, sequence, event_type, clr_type, payload, created_at";

    private const string NextSequence =
        "COALESCE((SELECT max(sequence) FROM orderactors_events WHERE stream_namespace = @ns AND stream_key = @key), 0) + 1";

    // PostgreSQL: the position follows the writing transaction's id (see 001_event_log.sql), and readers stay below
    // the oldest transaction still running, so no reader passes an event whose transaction commits later.
    private const string Horizon = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 65536";

    /// <summary>Appends one event inside a write's transaction: @index (its number within the write), @queue, @ns, @key, @type, @clr, @payload.</summary>
    public static string Append(SqlDatabase database) =>
        "INSERT INTO orderactors_events (global_position, queue_id, stream_namespace, stream_key, sequence, event_type, clr_type, payload) VALUES (" +
        (database.SingleWriter
            ? "COALESCE((SELECT max(global_position) FROM orderactors_events), 0) + 1"
            : "pg_current_xact_id()::text::bigint * 65536 + @index") +
        $", @queue, @ns, @key, {NextSequence}, @type, @clr, @payload)";

    /// <summary>Creates a grain state's record at version 1 (@type, @key, @name, @payload); no row when it exists.</summary>
    public const string InsertState =
        "INSERT INTO orderactors_grain_state (grain_type, grain_key, state_name, version, payload) VALUES (@type, @key, @name, 1, @payload) " +
        "ON CONFLICT DO NOTHING";

    /// <summary>Swaps a grain state's record (@type, @key, @name) to @payload if its version is @expected; no row otherwise.</summary>
    public const string UpdateState =
        "UPDATE orderactors_grain_state SET version = version + 1, payload = @payload, updated_at = CURRENT_TIMESTAMP " +
        "WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND version = @expected";

    // PostgreSQL, one statement per write of a group commit: the swap, and the write's events only if the swap matched
    // (data-modifying CTEs see one snapshot; the events' insert reads the swap's RETURNING). Positional parameters:
    // $1 type, $2 key, $3 name, $4 payload, $5 expected version, $6 the index of the write's first event within the
    // transaction, $7..$12 the events' queues, namespaces, keys, types, CLR types and payloads. Answers the new version.
    private const string AppendIfSwapped =
        "appended AS (INSERT INTO orderactors_events (global_position, queue_id, stream_namespace, stream_key, sequence, event_type, clr_type, payload) " +
        "SELECT pg_current_xact_id()::text::bigint * 65536 + $6 + e.i - 1, e.q, e.ns, e.k, " +
        "COALESCE((SELECT max(x.sequence) FROM orderactors_events x WHERE x.stream_namespace = e.ns AND x.stream_key = e.k), 0) " +
        "+ row_number() OVER (PARTITION BY e.ns, e.k ORDER BY e.i), e.t, e.c, e.p " +
        "FROM unnest($7::integer[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bytea[]) WITH ORDINALITY AS e(q, ns, k, t, c, p, i) " +
        "WHERE EXISTS (SELECT 1 FROM swap)) " +
        "SELECT version FROM swap";

    private const string RowOf = "g.grain_type = $1 AND g.grain_key = $2 AND g.state_name = $3";

    // PostgreSQL, the row changes of a write with state tables, also only if its swap matched. Further parameters:
    // $13..$15 the upserted rows' table names, keys and payloads; $16, $17 the deleted rows' table names and keys;
    // $18 the tables the write replaces (their rows not upserted go); $19 true to delete every row of the state (a
    // clear, which upserts nothing). Sub-statements of one statement must not touch a row twice (PostgreSQL leaves
    // which of them wins unpredictable), so the deletes never reach an upserted row: deleted keys are absent entries,
    // a replacement spares the rows it upserts. Each delete is its own CTE, each gated on a parameter alone (a one-time
    // filter), so that a write which deletes, replaces and clears nothing reads no row it does not change; the delete by
    // key looks its keys up in the primary key (the = ANY conditions) rather than joining every row of the state to
    // them, which the planner chose and which grows with the state (a projection holds a row per order).
    private const string RowsIfSwapped =
        "upserted AS (INSERT INTO orderactors_grain_rows (grain_type, grain_key, state_name, table_name, row_key, payload) " +
        "SELECT $1, $2, $3, u.t, u.k, u.p FROM unnest($13::text[], $14::text[], $15::bytea[]) AS u(t, k, p) WHERE EXISTS (SELECT 1 FROM swap) " +
        "ON CONFLICT (grain_type, grain_key, state_name, table_name, row_key) DO UPDATE SET payload = excluded.payload), " +
        $"deleted AS (DELETE FROM orderactors_grain_rows g WHERE cardinality($17::text[]) > 0 AND {RowOf} " +
        "AND g.table_name = ANY($16::text[]) AND g.row_key = ANY($17::text[]) " +
        "AND (g.table_name, g.row_key) IN (SELECT d.t, d.k FROM unnest($16::text[], $17::text[]) AS d(t, k)) AND EXISTS (SELECT 1 FROM swap)), " +
        $"replaced AS (DELETE FROM orderactors_grain_rows g WHERE cardinality($18::text[]) > 0 AND {RowOf} AND g.table_name = ANY($18::text[]) " +
        "AND NOT EXISTS (SELECT 1 FROM unnest($13::text[], $14::text[]) AS u(t, k) WHERE u.t = g.table_name AND u.k = g.row_key) " +
        "AND EXISTS (SELECT 1 FROM swap)), " +
        $"cleared AS (DELETE FROM orderactors_grain_rows g WHERE $19::boolean AND {RowOf} AND EXISTS (SELECT 1 FROM swap)), ";

    private const string InsertSwap =
        "WITH swap AS (INSERT INTO orderactors_grain_state (grain_type, grain_key, state_name, version, payload) " +
        "VALUES ($1, $2, $3, $5 + 1, $4) ON CONFLICT DO NOTHING RETURNING version), ";

    private const string UpdateSwap =
        "WITH swap AS (UPDATE orderactors_grain_state SET version = version + 1, payload = $4, updated_at = CURRENT_TIMESTAMP " +
        "WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND version = $5 RETURNING version), ";

    /// <summary>PostgreSQL: creates a record (with $5 = 0) and appends its events, in one statement (see <see cref="AppendIfSwapped"/>).</summary>
    public const string InsertStateWithEvents = InsertSwap + AppendIfSwapped;

    /// <summary>PostgreSQL: swaps a record from version $5 and appends its events, in one statement (see <see cref="AppendIfSwapped"/>).</summary>
    public const string UpdateStateWithEvents = UpdateSwap + AppendIfSwapped;

    /// <summary>PostgreSQL: <see cref="InsertStateWithEvents"/> with the write's row changes (see <see cref="RowsIfSwapped"/>).</summary>
    public const string InsertStateWithEventsAndRows = InsertSwap + RowsIfSwapped + AppendIfSwapped;

    /// <summary>PostgreSQL: <see cref="UpdateStateWithEvents"/> with the write's row changes (see <see cref="RowsIfSwapped"/>).</summary>
    public const string UpdateStateWithEventsAndRows = UpdateSwap + RowsIfSwapped + AppendIfSwapped;

    /// <summary>Events of queue @queue after position @after, in position order, at most @limit.</summary>
    public static string ReadQueue(SqlDatabase database) =>
        $"SELECT {Columns} FROM orderactors_events WHERE queue_id = @queue AND global_position > @after" +
        (database.SingleWriter ? "" : $" AND global_position < {Horizon}") +
        " ORDER BY global_position LIMIT @limit";

    /// <summary>Events of every stream after position @after, in position order, at most @limit.</summary>
    public static string ReadAll(SqlDatabase database) =>
        $"SELECT {Columns} FROM orderactors_events WHERE global_position > @after" +
        (database.SingleWriter ? "" : $" AND global_position < {Horizon}") +
        " ORDER BY global_position LIMIT @limit";

    // Why the head may be reported as complete for the namespaces asked for, though the page never read the events
    // past its last entry. PostgreSQL: every position below the horizon belongs to a transaction whose id is below the
    // snapshot's xmin, so that transaction has committed (and this snapshot sees its events) or aborted, and no
    // transaction can take such an id any more; the events below the horizon are final, and a statement that found no
    // more of its namespaces there will never find one later. SQLite: one writer at a time takes max + 1 inside its
    // transaction, so every event committed after this statement's snapshot sorts above all the snapshot holds. The
    // page and the head are one statement, so they read one snapshot (and on PostgreSQL one horizon): the head never
    // counts an event the page was too early to see. A full page is complete only through its last entry (the reader
    // decides that).
    /// <summary>
    /// Events of the namespaces in @ns after position @after, in position order, at most @limit; each row also holds
    /// (column 8) the highest position of the whole log the same read could see, and when no event matches, one row
    /// holds only that (null if the log is empty). @ns is a text[] on PostgreSQL, a JSON array of strings on SQLite.
    /// </summary>
    /// <remarks>
    /// The page walks the primary key from @after and filters in the database: in steady state that range is what
    /// arrived since the last read, and an index on the namespace would cost every append. The namespace test is
    /// written so that no index can serve it (a unary plus on SQLite, a concatenation on PostgreSQL): otherwise the
    /// planner may fetch every event of the namespaces through the (namespace, key, sequence) index and sort them, a
    /// read that grows with the history (PostgreSQL chose it under load: 4 ms a read, 8 of 10 s of its CPU).
    /// </remarks>
    public static string ReadNamespaces(SqlDatabase database) =>
        "SELECT e.*, h.head FROM (SELECT max(global_position) AS head FROM orderactors_events" +
        (database.SingleWriter ? "" : $" WHERE global_position < {Horizon}") +
        $") AS h LEFT JOIN (SELECT {Columns} FROM orderactors_events WHERE global_position > @after AND " +
        (database.SingleWriter
            ? "+stream_namespace IN (SELECT value FROM json_each(@ns))"
            : $"global_position < {Horizon} AND stream_namespace || '' = ANY(@ns)") +
        " ORDER BY global_position LIMIT @limit) AS e ON true ORDER BY e.global_position";

    /// <summary>Events of stream (@ns, @key) after sequence @after, in sequence order, at most @limit.</summary>
    public static string ReadStream(SqlDatabase database) =>
        $"SELECT {Columns} FROM orderactors_events WHERE stream_namespace = @ns AND stream_key = @key AND sequence > @after" +
        (database.SingleWriter ? "" : $" AND global_position < {Horizon}") +
        " ORDER BY sequence LIMIT @limit";

    private const string RowOwner = "grain_type = @type AND grain_key = @key AND state_name = @name";

    /// <summary>The rows of table @table of one grain state (@type, @key, @name): row_key, payload.</summary>
    public const string ReadTable = $"SELECT row_key, payload FROM orderactors_grain_rows WHERE {RowOwner} AND table_name = @table";

    /// <summary>
    /// The rows of keys @rows of table @table of one grain state (row_key, payload): on PostgreSQL an array, on SQLite a
    /// JSON array of strings.
    /// </summary>
    /// <remarks>
    /// PostgreSQL looks each key up on its own (a lateral subquery that is not flattened): given <c>row_key = ANY(@rows)</c>
    /// and statistics from when the table was small, the planner scanned every row of the table and filtered them (found
    /// under load: 5–10 ms a lookup, growing with the history).
    /// </remarks>
    public static string ReadRowsByKey(SqlDatabase database) =>
        database.SingleWriter
            ? $"SELECT row_key, payload FROM orderactors_grain_rows WHERE {RowOwner} AND table_name = @table AND row_key IN (SELECT value FROM json_each(@rows))"
            : "SELECT g.row_key, g.payload FROM unnest(@rows) AS k(row_key) CROSS JOIN LATERAL (SELECT row_key, payload FROM orderactors_grain_rows " +
              $"WHERE {RowOwner} AND table_name = @table AND row_key = k.row_key OFFSET 0) AS g";

    /// <summary>
    /// Up to @limit rows of table @table of one grain state in key order (row_key, payload), after (descending:
    /// before) @after when <paramref name="from"/>. Keys compare bytewise: row_key is <c>COLLATE "C"</c> on PostgreSQL
    /// (004_ordered_row_keys.sql), BINARY on SQLite, so the primary key serves the order.
    /// </summary>
    public static string ReadRowsPage(SqlDatabase database, bool from, bool descending) =>
        $"SELECT row_key, payload FROM orderactors_grain_rows WHERE {RowOwner} AND table_name = @table" +
        (from ? (descending ? " AND row_key < @after" : " AND row_key > @after") : "") +
        " ORDER BY row_key" + (descending ? " DESC" : "") + " LIMIT @limit";

    /// <summary>Deletes every row of table @table of one grain state.</summary>
    public const string DeleteTable = $"DELETE FROM orderactors_grain_rows WHERE {RowOwner} AND table_name = @table";

    /// <summary>Deletes every row of every table of one grain state.</summary>
    public const string DeleteAllRows = $"DELETE FROM orderactors_grain_rows WHERE {RowOwner}";

    /// <summary>
    /// Writes rows of table @table of one grain state: on PostgreSQL all at once from arrays @rows and @payloads; on
    /// SQLite one per execution from @row and @payload.
    /// </summary>
    public static string UpsertRows(SqlDatabase database) =>
        "INSERT INTO orderactors_grain_rows (grain_type, grain_key, state_name, table_name, row_key, payload) " +
        (database.SingleWriter
            ? "VALUES (@type, @key, @name, @table, @row, @payload)"
            : "SELECT @type, @key, @name, @table, r, p FROM unnest(@rows, @payloads) AS u(r, p)") +
        " ON CONFLICT (grain_type, grain_key, state_name, table_name, row_key) DO UPDATE SET payload = excluded.payload";

    /// <summary>Deletes rows of table @table of one grain state: on PostgreSQL the keys of array @rows; on SQLite key @row.</summary>
    public static string DeleteRows(SqlDatabase database) =>
        $"DELETE FROM orderactors_grain_rows WHERE {RowOwner} AND table_name = @table AND " +
        (database.SingleWriter ? "row_key = @row" : "row_key = ANY(@rows)");
}
