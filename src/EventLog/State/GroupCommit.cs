using System.Data.Common;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Streams;

namespace OrderActors.EventLog.State;

/// <summary>
/// One state write as <see cref="GroupCommit"/> commits it: the compare-and-swap of one grain state's record and the
/// events appended with it. <see cref="Outcome"/> gives the record's new version, or 0 when the stored version was
/// not <see cref="Expected"/> (nothing of this write was committed then).
/// </summary>
internal sealed class StateWrite(string type, string key, string stateName, byte[]? payload, long expected, IReadOnlyList<PendingEvent> events)
{
    public string Type => type;

    public string Key => key;

    public string StateName => stateName;

    /// <summary>The serialized state; null clears the record (a tombstone keeps its version).</summary>
    public byte[]? Payload => payload;

    /// <summary>The version the writer read; 0 when it found no record (the write inserts it).</summary>
    public long Expected => expected;

    public IReadOnlyList<PendingEvent> Events => events;

    public TaskCompletionSource<long> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Group commit for evented state: writes of different grains that arrive while earlier ones are being committed are
/// committed together, in one transaction and (on PostgreSQL) one round trip.
/// </summary>
/// <remarks>
/// <para>
/// Invariants, each with a test in <c>GroupCommitTests</c>: a write is acknowledged only once the transaction that holds
/// it has committed; a write's state and its events commit together or not at all; each write keeps its own version
/// check, so a stale write fails alone and commits nothing while the others of its transaction commit; a write the
/// database refuses fails only its own grain.
/// </para>
/// <para>
/// No write waits for a window to fill: at most <see cref="EventLogOptions.WriteConcurrency"/> transactions are in
/// flight, and a write that arrives while they all are waits in the queue; each transaction that ends takes everything
/// queued (up to <see cref="EventLogOptions.WriteBatchSize"/> writes) into the next. An idle system commits each write
/// at once and alone; a busy one shares each commit between the writes that arrived during the previous one.
/// </para>
/// <para>
/// Every write is conditional on its own version check within the shared transaction: on PostgreSQL one statement per
/// write swaps the record and inserts its events only if the swap matched a row (data-modifying CTEs), and all of them
/// go to the server as one batch, which PostgreSQL runs as one implicit transaction; on SQLite (one writer, in the
/// process) the statements run one after another and a write whose swap matched nothing skips its events. If the
/// transaction fails, each of its writes is tried again in a transaction of its own, so that only a write the database
/// refuses fails. Should the failure have hidden a commit (the connection lost during it), the retry's version check
/// fails and the grain reloads what storage holds, as for any write whose outcome its writer could not learn.
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
            command.CommandText = write.Expected == 0 ? EventLogSql.InsertStateWithEvents : EventLogSql.UpdateStateWithEvents;
            var events = write.Events;
            Add(command, write.Type, write.Key, write.StateName, write.Payload, write.Expected, first,
                events.Select(e => EventLogQueueMapper.QueueOf(e.Stream, options.QueueCount)).ToArray(), events.Select(e => e.Namespace).ToArray(), events.Select(e => e.Key).ToArray(),
                events.Select(e => e.EventType).ToArray(), events.Select(e => e.ClrType).ToArray(), events.Select(e => e.Payload).ToArray());
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
    // nothing, and its events are skipped.
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
}
