using Microsoft.Data.Sqlite;

namespace OrderActors.Benchmarks.Memory;

/// <summary>The rows of one kind in one table, and the bytes of their payloads.</summary>
/// <param name="Table">The table (see <c>src/EventLog/Sql/sqlite</c>).</param>
/// <param name="Kind">The grain type (with the state table, for rows), the stream namespace (events) or the state name.</param>
/// <param name="Rows">How many rows.</param>
/// <param name="PayloadBytes">The bytes of their payloads.</param>
internal sealed record StoredKind(string Table, string Kind, long Rows, long PayloadBytes);

/// <summary>What the database holds at one moment: rows and payload bytes by table and kind, and its size.</summary>
/// <param name="Kinds">By table and kind.</param>
/// <param name="DatabaseBytes">Pages × page size, as a reader sees the database (the WAL's committed pages included).</param>
internal sealed record StoredSnapshot(IReadOnlyList<StoredKind> Kinds, long DatabaseBytes)
{
    private const string KindsQuery = """
        SELECT 'orderactors_grain_state', grain_type, COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM orderactors_grain_state GROUP BY 2
        UNION ALL SELECT 'orderactors_grain_rows', grain_type || ' ' || table_name, COUNT(*), SUM(LENGTH(payload)) FROM orderactors_grain_rows GROUP BY 2
        UNION ALL SELECT 'orderactors_events', stream_namespace, COUNT(*), SUM(LENGTH(payload)) FROM orderactors_events GROUP BY 2
        UNION ALL SELECT 'orleans_grain_state', state_name, COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM orleans_grain_state GROUP BY 2
        """;

    /// <summary>Reads the database's rows by kind and its size, on a connection of its own (WAL: readers do not block the silo).</summary>
    public static async Task<StoredSnapshot> ReadAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var kinds = new List<StoredKind>();
        await using (var command = new SqliteCommand(KindsQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                kinds.Add(new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        await using var size = new SqliteCommand("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", connection);
        return new(kinds, (long)(await size.ExecuteScalarAsync())!);
    }

    /// <summary>The global position of the last event of each stream namespace: where the projections reading it must get to.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> HeadsAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new SqliteCommand("SELECT stream_namespace, MAX(global_position) FROM orderactors_events GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var heads = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            heads[reader.GetString(0)] = reader.GetInt64(1);
        }

        return heads;
    }

    /// <summary>What <paramref name="later"/> holds more than this snapshot, by kind: the kinds that grew.</summary>
    public IReadOnlyList<StoredKind> GrowthTo(StoredSnapshot later)
    {
        var before = Kinds.ToDictionary(k => (k.Table, k.Kind));
        return [.. later.Kinds
            .Select(k => before.TryGetValue((k.Table, k.Kind), out var b) ? k with { Rows = k.Rows - b.Rows, PayloadBytes = k.PayloadBytes - b.PayloadBytes } : k)
            .Where(k => k.Rows != 0 || k.PayloadBytes != 0)
            .OrderBy(k => k.Table, StringComparer.Ordinal).ThenByDescending(k => k.PayloadBytes)];
    }
}
