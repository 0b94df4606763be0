using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>Plain ADO.NET against a test database, to look at what Orleans' providers wrote.</summary>
public static class AdoNetSql
{
    /// <summary>The query keys each Orleans ADO.NET package reads from OrleansQuery (its DbStoredQueries and AdoNetGrainStorage).</summary>
    public static readonly string[] PersistenceKeys = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey"];

    public static readonly string[] ReminderKeys =
    [
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    public static readonly string[] ClusteringKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
    ];

    public static async Task<DbConnection> OpenAsync(AdoNetDatabase database)
    {
        DbConnection connection = database.IsPostgreSql
            ? new NpgsqlConnection(database.ConnectionString)
            : new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task ExecuteAsync(AdoNetDatabase database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The rows of a query, each as its column values converted to strings (null for NULL).</summary>
    public static async Task<List<string?[]>> QueryAsync(AdoNetDatabase database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }
}
