using System.Data.Common;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Streams;

namespace OrderActors.EventLog.State;

/// <summary>
/// One state write as <see cref="GroupCommit"/> commits it: the compare-and-swap of one grain state's record, the
/// changes of its state tables' rows and the events appended with it. <see cref="Outcome"/> gives the record's new
/// version, or 0 when the stored version was not <see cref="Expected"/> (nothing of this write was committed then).
/// </summary>
internal sealed class StateWrite(string type, string key, string stateName, byte[]? payload, long expected, IReadOnlyList<PendingEvent> events,
    IReadOnlyList<TableChanges>? tables = null)
{
    public string Type => type;

    public string Key => key;

    public string StateName => stateName;

    /// <summary>The serialized state; null clears the record (a tombstone keeps its version).</summary>
    public byte[]? Payload => payload;

    /// <summary>The version the writer read; 0 when it found no record (the write inserts it).</summary>
    public long Expected => expected;

    public IReadOnlyList<PendingEvent> Events => events;

    /// <summary>What the write does to its state tables' rows; empty for a state without tables.</summary>
    public IReadOnlyList<TableChanges> Tables { get; } = tables ?? [];

    public TaskCompletionSource<long> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Group commit for evented state: writes of different grains that arrive while earlier ones are being committed are
/// committed together, in one transaction and (on PostgreSQL) one round trip.
/// </summary>
/// <remarks>
/// <para>
/// Invariants, each with a test in <c>GroupCommitTests</c> for writes with and without state-table rows: a write is
/// acknowledged only once the transaction that holds it has committed; a write's state, its rows and its events commit
/// together or not at all; each write keeps its own version check, so a stale write fails alone and commits nothing
/// (no row, no event) while the others of its transaction commit; a write the database refuses fails only its own
/// grain.
/// </para>
/// <para>
/// No write waits for a window to fill: at most <see cref="EventLogOptions.WriteConcurrency"/> transactions are in
/// flight, and a write that arrives while they all are waits in the queue; each transaction that ends takes everything
/// queued (up to <see cref="EventLogOptions.WriteBatchSize"/> writes) into the next. An idle system commits each write
/// at once and alone; a busy one shares each commit between the writes that arrived during the previous one.
/// </para>
/// <para>
/// Every write is conditional on its own version check within the shared transaction: on PostgreSQL one statement per
/// write swaps the record, and writes its rows and inserts its events only if the swap matched a row (data-modifying
/// CTEs; a write that changes rows has a statement shape of its own, so a write that does not keeps the shorter one),
/// and all of them go to the server as one batch, which PostgreSQL runs as one implicit transaction; on SQLite (one
/// writer, in the process) the statements run one after another and a write whose swap matched nothing skips its rows
/// and its events. If the transaction fails, each of its writes is tried again in a transaction of its own, so that
/// only a write the database refuses fails. Should the failure have hidden a commit (the connection lost during it),
/// the retry's version check fails and the grain reloads what storage holds, as for any write whose outcome its writer
/// could not learn.
/// </para>
/// <para>
/// Event positions on PostgreSQL are the transaction id times 65,536 plus the event's index within the transaction,
/// so a batch never holds more than 65,536 events.
/// </para>
/// </remarks>
internal sealed class GroupCommit(SqlDatabase database, EventLogOptions options)
{
    private const int MaxEventsPerTransaction = 65_536;

    private readonly Lock _gate = new();
    private readonly Queue<StateWrite> _queue = new();
    private readonly string _appendSql = EventLogSql.Append(database);
    private readonly string _upsertRowsSql = EventLogSql.UpsertRows(database);
    private readonly string _deleteRowsSql = EventLogSql.DeleteRows(database);
    private int _committers;

    /// <summary>Queues a write; the task completes when its transaction has committed (or failed).</summary>
    public Task<long> CommitAsync(StateWrite write)
    {
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(write);
            start = _committers < options.WriteConcurrency;
            if (start)
            {
                _committers++;
            }
        }

        if (start)
        {
            // Off the calling grain's scheduler: the loop serves every grain's writes.
            _ = Task.Run(CommitQueuedAsync);
        }

        return write.Outcome.Task;
    }

    private async Task CommitQueuedAsync()
    {
        while (true)
        {
            var batch = new List<StateWrite>();
            lock (_gate)
            {
                var events = 0;
                while (batch.Count < options.WriteBatchSize && _queue.TryPeek(out var next) && events + next.Events.Count <= MaxEventsPerTransaction)
                {
                    batch.Add(_queue.Dequeue());
                    events += next.Events.Count;
                }

                if (batch.Count == 0)
                {
                    _committers--;
                    return;
                }
            }

            await CommitAsync(batch);
        }
    }

    private async Task CommitAsync(List<StateWrite> batch)
    {
        long[] versions;
        try
        {
            versions = await database.WriteAsync(connection => database.SingleWriter ? RunAsync(connection, batch) : BatchAsync(connection, batch));
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var write in batch)
            {
                await CommitAsync([write]); // nothing of the transaction committed: each alone, so only a refused write fails
            }

            return;
        }
        catch (Exception ex)
        {
            foreach (var write in batch)
            {
                write.Outcome.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Outcome.TrySetResult(versions[i]);
        }
    }

    // PostgreSQL: one conditional statement per write, sent as one batch (one implicit transaction, one round trip).
    private async Task<long[]> BatchAsync(DbConnection connection, List<StateWrite> writes)
    {
        await using var batch = connection.CreateBatch();
        var first = 0L;
        foreach (var write in writes)
        {
            var command = batch.CreateBatchCommand();
            var rows = write.Tables.Any(t => t.ChangesRows);
            command.CommandText = (write.Expected == 0, rows) switch
            {
                (true, false) => EventLogSql.InsertStateWithEvents,
                (false, false) => EventLogSql.UpdateStateWithEvents,
                (true, true) => EventLogSql.InsertStateWithEventsAndRows,
                (false, true) => EventLogSql.UpdateStateWithEventsAndRows,
            };
            var events = write.Events;
            Add(command, write.Type, write.Key, write.StateName, write.Payload, write.Expected, first,
                events.Select(e => EventLogQueueMapper.QueueOf(e.Stream, options.QueueCount)).ToArray(), events.Select(e => e.Namespace).ToArray(), events.Select(e => e.Key).ToArray(),
                events.Select(e => e.EventType).ToArray(), events.Select(e => e.ClrType).ToArray(), events.Select(e => e.Payload).ToArray());
            if (rows)
            {
                AddRows(command, write.Tables);
            }

            batch.BatchCommands.Add(command);
            first += events.Count;
        }

        var versions = new long[writes.Count];
        await using var reader = await batch.ExecuteReaderAsync();
        for (var i = 0; i < versions.Length; i++)
        {
            if (i > 0 && !await reader.NextResultAsync())
            {
                throw new InvalidOperationException($"The group commit of {writes.Count} writes returned {i} results.");
            }

            versions[i] = await reader.ReadAsync() ? reader.GetInt64(0) : 0;
        }

        while (await reader.NextResultAsync())
        {
            // reading to the end surfaces an error of the commit itself
        }

        return versions;
    }

    // The row parameters of EventLogSql.RowsIfSwapped, every table's changes in one set of arrays.
    private static void AddRows(DbBatchCommand command, IReadOnlyList<TableChanges> tables)
    {
        var upserts = tables.Where(t => t.Name is not null).SelectMany(t => t.Upserts.Select(r => (Table: t.Name!, r.Key, r.Payload))).ToArray();
        var deletes = tables.Where(t => t.Name is not null).SelectMany(t => t.Deletes.Select(key => (Table: t.Name!, Key: key))).ToArray();
        Add(command, upserts.Select(r => r.Table).ToArray(), upserts.Select(r => r.Key).ToArray(), upserts.Select(r => r.Payload).ToArray(),
            deletes.Select(r => r.Table).ToArray(), deletes.Select(r => r.Key).ToArray(),
            tables.Where(t => t.Name is not null && t.Replace).Select(t => t.Name!).ToArray(), tables.Any(t => t.Name is null));
    }

    private static void Add(DbBatchCommand command, params object?[] values)
    {
        foreach (var value in values)
        {
            var parameter = command.CreateParameter();
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    // SQLite: in the process, so a statement costs no round trip; a write whose swap matched nothing has written
    // nothing, and its rows and its events are skipped.
    private async Task<long[]> RunAsync(DbConnection connection, List<StateWrite> writes)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        var versions = new long[writes.Count];
        for (var w = 0; w < writes.Count; w++)
        {
            var write = writes[w];
            await using var swap = write.Expected == 0
                ? SqlDatabase.Command(connection, transaction, EventLogSql.InsertState, ("@type", write.Type), ("@key", write.Key), ("@name", write.StateName), ("@payload", write.Payload))
                : SqlDatabase.Command(connection, transaction, EventLogSql.UpdateState, ("@type", write.Type), ("@key", write.Key), ("@name", write.StateName), ("@payload", write.Payload),
                    ("@expected", write.Expected));
            if (await swap.ExecuteNonQueryAsync() != 1)
            {
                continue;
            }

            versions[w] = write.Expected + 1;
            foreach (var table in write.Tables)
            {
                await WriteRowsAsync(connection, transaction, write.Type, write.Key, write.StateName, table, CancellationToken.None);
            }

            await AppendAsync(connection, transaction, write.Events, CancellationToken.None);
        }

        await transaction.CommitAsync();
        return versions;
    }

    /// <summary>Appends events one statement each, inside a transaction that holds nothing else's events.</summary>
    public async Task AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            await using var append = SqlDatabase.Command(connection, transaction, _appendSql,
                ("@index", (long)i), ("@queue", EventLogQueueMapper.QueueOf(e.Stream, options.QueueCount)), ("@ns", e.Namespace), ("@key", e.Key),
                ("@type", e.EventType), ("@clr", e.ClrType), ("@payload", e.Payload));
            await append.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Writes one table's row changes of a grain state (@type, @key, @name) inside its write's transaction.</summary>
    public async Task WriteRowsAsync(DbConnection connection, DbTransaction transaction, string type, string key, string stateName, TableChanges table,
        CancellationToken cancellationToken)
    {
        if (table.Name is null)
        {
            await using var clear = SqlDatabase.Command(connection, transaction, EventLogSql.DeleteAllRows, ("@type", type), ("@key", key), ("@name", stateName));
            await clear.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        var owner = new (string, object?)[] { ("@type", type), ("@key", key), ("@name", stateName), ("@table", table.Name) };
        if (table.Replace)
        {
            await using var delete = SqlDatabase.Command(connection, transaction, EventLogSql.DeleteTable, owner);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        var upserts = table.Upserts.ToArray();
        var deletes = table.Deletes.ToArray();
        if (database.SingleWriter)
        {
            // SQLite runs in the process: a prepared statement per row costs no round trip.
            foreach (var (row, payload) in upserts)
            {
                await using var upsert = SqlDatabase.Command(connection, transaction, _upsertRowsSql, [.. owner, ("@row", row), ("@payload", payload)]);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var row in deletes)
            {
                await using var delete = SqlDatabase.Command(connection, transaction, _deleteRowsSql, [.. owner, ("@row", row)]);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            return;
        }

        if (upserts.Length > 0)
        {
            await using var upsert = SqlDatabase.Command(connection, transaction, _upsertRowsSql,
                [.. owner, ("@rows", upserts.Select(r => r.Key).ToArray()), ("@payloads", upserts.Select(r => r.Payload).ToArray())]);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (deletes.Length > 0)
        {
            await using var delete = SqlDatabase.Command(connection, transaction, _deleteRowsSql, [.. owner, ("@rows", deletes)]);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
