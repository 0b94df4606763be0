using System.Data.Common;
using OrderActors.EventLog.Sql;

namespace OrderActors.EventLog.Tests.Infrastructure;

/// <summary>Looks at the tables directly, behind the grains' backs.</summary>
public static class LogTable
{
    public static async Task<List<(long Position, int Queue, string Key, long Sequence, string Type)>> EventsAsync(TestDatabase database, string? key = null)
    {
        await using var connection = await SqlDatabase.For(database.Invariant, database.ConnectionString).OpenAsync();
        await using var command = SqlDatabase.Command(connection, null,
            "SELECT global_position, queue_id, stream_key, sequence, event_type FROM orderactors_events " +
            (key is null ? "" : "WHERE stream_key = @key ") + "ORDER BY global_position", ("@key", key));
        var rows = new List<(long, int, string, long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(2), reader.GetInt64(3), reader.GetString(4)));
        }

        return rows;
    }

    public static async Task<int> ExecuteAsync(TestDatabase database, string sql, params (string, object?)[] parameters)
    {
        await using var connection = await SqlDatabase.For(database.Invariant, database.ConnectionString).OpenAsync();
        await using DbCommand command = SqlDatabase.Command(connection, null, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }
}
