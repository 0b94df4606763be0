using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrderActors.EventLog.Sql;

/// <summary>A schema script shipped with the extensions: <c>Sql/{dialect}/NNN_name.sql</c>.</summary>
/// <param name="Name">The file name, e.g. <c>001_event_log.sql</c>; scripts run in name order.</param>
/// <param name="Text">The SQL.</param>
public sealed record SchemaScript(string Name, string Text);

/// <summary>
/// The database schema of OrderActors' Orleans extensions and of the Orleans ADO.NET providers it uses (grain state,
/// event log, reminders, membership and their <c>OrleansQuery</c> rows), per database.
/// </summary>
/// <remarks>
/// Orleans' ADO.NET packages ship no SQL: these scripts are ours. Each is written to be re-runnable (<c>IF NOT
/// EXISTS</c>, upserts), so a DBA can apply them by hand; at start-up <see cref="ApplyAsync(string, string, ILogger?, CancellationToken)"/> runs the ones not yet
/// recorded in <c>orderactors_schema_scripts</c>, in one transaction, under a lock, so that silos starting together
/// apply each script once.
/// </remarks>
public static class OrderActorsSchema
{
    private const string ResourcePrefix = "OrderActors.EventLog.Sql.";

    /// <summary>The scripts for a database, in the order they apply.</summary>
    /// <param name="invariant">The ADO.NET invariant: <see cref="AdoNetInvariants.PostgreSql"/> or <see cref="AdoNetInvariants.Sqlite"/>.</param>
    public static IReadOnlyList<SchemaScript> Scripts(string invariant)
    {
        var prefix = ResourcePrefix + AdoNetInvariants.DialectOf(invariant);
        var assembly = typeof(OrderActorsSchema).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new SchemaScript(n[(n.LastIndexOfAny(['/', '\\']) + 1)..], reader.ReadToEnd());
            })
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Applies the scripts the database has not run yet; safe to call from several processes at once.</summary>
    /// <param name="invariant">The ADO.NET invariant: <see cref="AdoNetInvariants.PostgreSql"/> or <see cref="AdoNetInvariants.Sqlite"/>.</param>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="logger">Where to log each script applied.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is committed then.</param>
    public static Task ApplyAsync(string invariant, string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
        => ApplyAsync(SqlDatabase.For(invariant, connectionString), logger ?? NullLogger.Instance, cancellationToken);

    internal static Task ApplyAsync(SqlDatabase database, ILogger logger, CancellationToken cancellationToken = default)
        => database.WriteAsync(
            async connection =>
            {
                if (database.SingleWriter)
                {
                    await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken);
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await database.LockSchemaAsync(connection, transaction, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "CREATE TABLE IF NOT EXISTS orderactors_schema_scripts (name varchar(200) PRIMARY KEY, applied_at varchar(40) NOT NULL)",
                    cancellationToken);

                var applied = new HashSet<string>(StringComparer.Ordinal);
                await using (var query = SqlDatabase.Command(connection, transaction, "SELECT name FROM orderactors_schema_scripts"))
                await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        applied.Add(reader.GetString(0));
                    }
                }

                foreach (var script in ScriptsOf(database.Dialect).Where(s => !applied.Contains(s.Name)))
                {
                    logger.LogInformation("Applying schema script {Script} ({Dialect}).", script.Name, database.Dialect);
                    await ExecuteAsync(connection, transaction, script.Text, cancellationToken);
                    await using var record = SqlDatabase.Command(connection, transaction,
                        "INSERT INTO orderactors_schema_scripts (name, applied_at) VALUES (@name, @at)",
                        ("@name", script.Name), ("@at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                return 0;
            },
            cancellationToken);

    private static IReadOnlyList<SchemaScript> ScriptsOf(string dialect)
        => Scripts(dialect == AdoNetInvariants.PostgreSqlDialect ? AdoNetInvariants.PostgreSql : AdoNetInvariants.Sqlite);

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlDatabase.Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
