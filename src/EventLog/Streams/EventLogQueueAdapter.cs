using Microsoft.Extensions.Logging;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// The event log as an Orleans queue adapter. Events usually enter the log with the state writes of
/// <see cref="IEventedState{TState}"/>; a producer that calls <c>OnNextAsync</c> on one of the provider's streams
/// appends to the same log in a transaction of its own. The log is rewindable: nothing is deleted on delivery.
/// </summary>
internal sealed class EventLogQueueAdapter(
    string name, EventLogOptions options, SqlDatabase database, EventLogReader reader, EventPayloadSerializer serializer, ImplicitSubscriptions? subscriptions,
    ILoggerFactory loggerFactory) : IQueueAdapter
{
    private readonly string _appendSql = EventLogSql.Append(database);

    public string Name => name;

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
        => new EventLogQueueAdapterReceiver(name, EventLogQueueMapper.QueueNumber(queueId), options.ReadBatchSize, database, reader, serializer, subscriptions,
            loggerFactory.CreateLogger<EventLogQueueAdapterReceiver>());

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            throw new ArgumentException("The event log assigns positions itself; a producer cannot give a sequence token.", nameof(token));
        }

        var ns = streamId.GetNamespace() ?? throw new ArgumentException($"Stream {streamId} has no namespace; event-log streams need one.", nameof(streamId));
        if (ns.StartsWith(EventLogFeeds.Prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Stream {streamId} is a namespace feed: the log writes feeds, producers write the streams they carry.", nameof(streamId));
        }

        var key = streamId.GetKeyAsString();
        var queue = EventLogQueueMapper.QueueOf(streamId, options.QueueCount);
        var payloads = events.Select(e => serializer.Serialize(e ?? throw new ArgumentException("A stream event cannot be null.", nameof(events)))).ToArray();
        return database.WriteAsync(
            async connection =>
            {
                await using var transaction = await connection.BeginTransactionAsync();
                for (var i = 0; i < payloads.Length; i++)
                {
                    var (clrType, payload) = payloads[i];
                    await using var append = SqlDatabase.Command(connection, transaction, _appendSql,
                        ("@index", (long)i), ("@queue", queue), ("@ns", ns), ("@key", key), ("@type", EventTypeOf(clrType)), ("@clr", clrType), ("@payload", payload));
                    await append.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
                return payloads.Length;
            });
    }

    // Events produced through the stream API carry no domain name: their type's name stands in for it.
    private static string EventTypeOf(string clrType)
    {
        var name = clrType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
