using System.Data.Common;

namespace OrderActors.Runtime.Persistence;

/// <summary>An explicit stream subscription as stored: a consumer grain subscribed to one stream.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Consumer">The consumer grain.</param>
/// <param name="DeliveredSequence">A hint, never ahead of the consumer's own checkpoint: it has applied at least this far.</param>
internal sealed record StreamSubscriptionEntry(StreamId Stream, GrainId Consumer, long DeliveredSequence);

/// <summary>The durable table of explicit stream subscriptions, and the stream heads a subscription starts from.</summary>
internal interface IStreamSubscriptionTable
{
    /// <summary>Every subscription.</summary>
    Task<IReadOnlyList<StreamSubscriptionEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a subscription; one that exists already is kept as it is.</summary>
    Task AddAsync(StreamSubscriptionEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes a subscription; does nothing if it does not exist.</summary>
    Task RemoveAsync(StreamId stream, GrainId consumer, CancellationToken cancellationToken = default);

    /// <summary>Raises the delivered-sequence hints of existing subscriptions (never lowers one).</summary>
    Task UpdateDeliveredAsync(IReadOnlyList<StreamSubscriptionEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>The position a tailing reader of the global feed may start after without missing a later commit.</summary>
    Task<long> ReadLastPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>The last sequence of <paramref name="stream"/> readers can see; 0 for an empty stream.</summary>
    Task<long> ReadLastSequenceAsync(StreamId stream, CancellationToken cancellationToken = default);
}

/// <summary>Explicit subscriptions in process memory, over the events of a <see cref="MemoryGrainStorage"/>.</summary>
internal sealed class MemoryStreamSubscriptionTable(MemoryGrainStorage events) : IStreamSubscriptionTable
{
    private readonly Dictionary<(StreamId, GrainId), StreamSubscriptionEntry> _entries = [];

    public Task<IReadOnlyList<StreamSubscriptionEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            return Task.FromResult<IReadOnlyList<StreamSubscriptionEntry>>([.. _entries.Values]);
        }
    }

    public Task AddAsync(StreamSubscriptionEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            _entries.TryAdd((entry.Stream, entry.Consumer), entry);
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(StreamId stream, GrainId consumer, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            _entries.Remove((stream, consumer));
        }

        return Task.CompletedTask;
    }

    public Task UpdateDeliveredAsync(IReadOnlyList<StreamSubscriptionEntry> entries, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            foreach (var entry in entries)
            {
                if (_entries.TryGetValue((entry.Stream, entry.Consumer), out var stored) && stored.DeliveredSequence < entry.DeliveredSequence)
                {
                    _entries[(entry.Stream, entry.Consumer)] = entry;
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<long> ReadLastPositionAsync(CancellationToken cancellationToken = default) => Task.FromResult(events.LastPosition);

    public Task<long> ReadLastSequenceAsync(StreamId stream, CancellationToken cancellationToken = default) => Task.FromResult(events.LastSequence(stream));
}

/// <summary>Explicit subscriptions in the <c>stream_subscriptions</c> table of PostgreSQL or SQLite.</summary>
internal sealed class AdoNetStreamSubscriptionTable(SqlDialect dialect) : IStreamSubscriptionTable
{
    public async Task<IReadOnlyList<StreamSubscriptionEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection,
            "SELECT stream_namespace, stream_key, grain_type, grain_key, delivered_sequence FROM stream_subscriptions");
        var entries = new List<StreamSubscriptionEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new StreamSubscriptionEntry(
                new StreamId(reader.GetString(0), reader.GetString(1)), new GrainId(reader.GetString(2), reader.GetString(3)), reader.GetInt64(4)));
        }

        return entries;
    }

    public Task AddAsync(StreamSubscriptionEntry entry, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "INSERT INTO stream_subscriptions (stream_namespace, stream_key, grain_type, grain_key, delivered_sequence) " +
            "VALUES (@ns, @key, @type, @grain, @sequence) ON CONFLICT DO NOTHING",
            [entry], cancellationToken);

    public Task RemoveAsync(StreamId stream, GrainId consumer, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "DELETE FROM stream_subscriptions WHERE stream_namespace = @ns AND stream_key = @key AND grain_type = @type AND grain_key = @grain",
            [new StreamSubscriptionEntry(stream, consumer, 0)], cancellationToken);

    public Task UpdateDeliveredAsync(IReadOnlyList<StreamSubscriptionEntry> entries, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "UPDATE stream_subscriptions SET delivered_sequence = @sequence " +
            "WHERE stream_namespace = @ns AND stream_key = @key AND grain_type = @type AND grain_key = @grain AND delivered_sequence < @sequence",
            entries, cancellationToken);

    public async Task<long> ReadLastPositionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection, dialect.LastPositionSql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> ReadLastSequenceAsync(StreamId stream, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection, dialect.LastSequenceSql, ("@ns", stream.Namespace), ("@key", stream.Key));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    // One statement per entry, all in one write transaction.
    private Task ExecuteAsync(string sql, IReadOnlyList<StreamSubscriptionEntry> entries, CancellationToken cancellationToken)
        => entries.Count == 0
            ? Task.CompletedTask
            : dialect.WriteAsync(
                async connection =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    foreach (var entry in entries)
                    {
                        await using var command = SqlDialect.Command(connection, sql,
                            ("@ns", entry.Stream.Namespace), ("@key", entry.Stream.Key), ("@type", entry.Consumer.Type), ("@grain", entry.Consumer.Key),
                            ("@sequence", entry.DeliveredSequence));
                        command.Transaction = transaction;
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await transaction.CommitAsync(cancellationToken);
                    return 0;
                },
                cancellationToken);
}
