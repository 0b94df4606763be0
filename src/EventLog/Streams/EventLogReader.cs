using System.Data.Common;
using System.Globalization;
using OrderActors.EventLog.Sql;

namespace OrderActors.EventLog.Streams;

/// <summary>Reads <c>orderactors_events</c>; on PostgreSQL never past the oldest transaction still in flight.</summary>
internal sealed class EventLogReader(SqlDatabase database) : IEventLogReader
{
    private readonly string _readAll = EventLogSql.ReadAll(database);
    private readonly string _readStream = EventLogSql.ReadStream(database);
    private readonly string _readQueue = EventLogSql.ReadQueue(database);

    public async Task<IReadOnlyList<EventLogEntry>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = SqlDatabase.Command(connection, null, _readAll, ("@after", afterPosition), ("@limit", (long)limit));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<EventLogEntry>> ReadStreamAsync(string streamNamespace, string streamKey, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = SqlDatabase.Command(connection, null, _readStream,
            ("@ns", streamNamespace), ("@key", streamKey), ("@after", afterSequence), ("@limit", (long)limit));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<EventLogEntry>> ReadQueueAsync(int queue, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = SqlDatabase.Command(connection, null, _readQueue, ("@queue", queue), ("@after", afterPosition), ("@limit", (long)limit));
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<EventLogEntry>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<EventLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new EventLogEntry(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
                (byte[])reader.GetValue(6), CreatedAt(reader.GetValue(7))));
        }

        return entries;
    }

    private static DateTimeOffset CreatedAt(object value) => value switch
    {
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        DateTimeOffset at => at,
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidOperationException($"Unexpected created_at value of type {value.GetType()}."),
    };
}
