using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using OrderActors.EventLog.Sql;

namespace OrderActors.EventLog.Streams;

/// <summary>Reads <c>orderactors_events</c>; on PostgreSQL never past the oldest transaction still in flight.</summary>
internal sealed class EventLogReader(SqlDatabase database) : IEventLogReader
{
    private readonly string _readAll = EventLogSql.ReadAll(database);
    private readonly string _readNamespaces = EventLogSql.ReadNamespaces(database);
    private readonly string _readStream = EventLogSql.ReadStream(database);
    private readonly string _readQueue = EventLogSql.ReadQueue(database);

    public async Task<IReadOnlyList<EventLogEntry>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = SqlDatabase.Command(connection, null, _readAll, ("@after", afterPosition), ("@limit", (long)limit));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<EventLogPage> ReadNamespacesAsync(IReadOnlyCollection<string> namespaces, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        object names = database.SingleWriter ? JsonSerializer.Serialize(namespaces) : namespaces.ToArray();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = SqlDatabase.Command(connection, null, _readNamespaces, ("@ns", names), ("@after", afterPosition), ("@limit", (long)limit));
        var entries = new List<EventLogEntry>();
        var head = afterPosition;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(8))
            {
                head = Math.Max(head, reader.GetInt64(8));
            }

            if (!reader.IsDBNull(0))
            {
                entries.Add(Entry(reader));
            }
        }

        // A full page may stop short of more matches: it is complete through its last entry only (see EventLogSql.ReadNamespaces).
        return new EventLogPage(entries, entries.Count == limit ? entries[^1].Position : head);
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
            entries.Add(Entry(reader));
        }

        return entries;
    }

    // One row of EventLogSql.Columns.
    private static EventLogEntry Entry(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
        (byte[])reader.GetValue(6), CreatedAt(reader.GetValue(7)));

    private static DateTimeOffset CreatedAt(object value) => value switch
    {
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        DateTimeOffset at => at,
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidOperationException($"Unexpected created_at value of type {value.GetType()}."),
    };
}
