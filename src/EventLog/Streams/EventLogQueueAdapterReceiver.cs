using Microsoft.Extensions.Logging;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Reads one queue of the log in position order, from the position its checkpoint row holds. The checkpoint moves
/// when Orleans' cache reports events delivered to every cursor, so after a restart the receiver repeats events
/// (consumers skip what their own checkpoint holds) and never loses one.
/// </summary>
/// <remarks>
/// Each read becomes containers in position order: a stream's own events when some grain subscribes to its namespace
/// (<paramref name="subscriptions"/>; null: always), and every namespace's events on that namespace's feed of this queue
/// (<see cref="EventLogFeeds"/>). Every event read is in some container, so the checkpoint passes only events Orleans
/// was given.
/// </remarks>
internal sealed partial class EventLogQueueAdapterReceiver(
    string providerName, int queue, int batchSize, SqlDatabase database, EventLogReader reader, EventPayloadSerializer serializer,
    ImplicitSubscriptions? subscriptions, ILogger logger) : IQueueAdapterReceiver
{
    private long _readUpTo;
    private long _checkpoint;

    public async Task Initialize(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await using var connection = await database.OpenAsync(cancellation.Token);
        await using var command = SqlDatabase.Command(connection, null,
            "SELECT position FROM orderactors_stream_queues WHERE provider = @provider AND queue_id = @queue", ("@provider", providerName), ("@queue", queue));
        _checkpoint = await command.ExecuteScalarAsync(cancellation.Token) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        _readUpTo = _checkpoint;
        LogStarting(logger, providerName, queue, _checkpoint);
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        // Orleans passes a negative count when its cache has no limit: read a batch of the configured size then.
        var limit = maxCount <= 0 ? batchSize : Math.Min(maxCount, batchSize);
        var entries = await reader.ReadQueueAsync(queue, _readUpTo, limit, cancellationToken);
        if (entries.Count == 0)
        {
            return [];
        }

        _readUpTo = entries[^1].Position;
        return Containers(entries);
    }

    // Runs of consecutive events of one stream (what one write appended to it) share a container: one delivery each.
    // A namespace's feed container ends where its last event in the read is, with event index 1, so it sorts just after
    // that event's stream's container: the containers go to Orleans' cache in token order, each with a token of its
    // own (a cursor that starts at a token finds its own stream's container), and purges move the checkpoint in order.
    private List<IBatchContainer> Containers(IReadOnlyList<EventLogEntry> entries)
    {
        var containers = new List<(long Last, bool Feed, IBatchContainer Container)>();
        var start = 0;
        for (var i = 1; i <= entries.Count; i++)
        {
            if (i == entries.Count || entries[i].StreamId != entries[start].StreamId)
            {
                if (subscriptions?.Any(entries[start].Namespace) ?? true)
                {
                    containers.Add((entries[i - 1].Position, false, new EventLogBatchContainer(entries[start].StreamId, [.. entries.Skip(start).Take(i - start)], serializer)));
                }

                start = i;
            }
        }

        foreach (var events in entries.GroupBy(e => e.Namespace, StringComparer.Ordinal))
        {
            containers.Add((events.Last().Position, true, new EventLogBatchContainer(EventLogFeeds.Of(events.Key, queue), [.. events], serializer)));
        }

        return [.. containers.OrderBy(c => c.Last).ThenBy(c => c.Feed).Select(c => c.Container)];
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var delivered = messages.Max(m => m.SequenceToken.SequenceNumber);
        if (delivered <= _checkpoint)
        {
            return;
        }

        await database.WriteAsync(
            async connection =>
            {
                await using var command = SqlDatabase.Command(connection, null,
                    "INSERT INTO orderactors_stream_queues (provider, queue_id, position) VALUES (@provider, @queue, @position) " +
                    "ON CONFLICT (provider, queue_id) DO UPDATE SET position = excluded.position, updated_at = CURRENT_TIMESTAMP " +
                    "WHERE orderactors_stream_queues.position < excluded.position",
                    ("@provider", providerName), ("@queue", queue), ("@position", delivered));
                return await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);
        _checkpoint = delivered;
    }

    public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event-log stream provider {Provider}: queue {Queue} starts after position {Position}.")]
    private static partial void LogStarting(ILogger logger, string provider, int queue, long position);
}
