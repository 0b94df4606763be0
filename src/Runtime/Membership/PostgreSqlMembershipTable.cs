using System.Data;
using System.Data.Common;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Runtime.Membership;

/// <summary>
/// The membership table in PostgreSQL (<c>Persistence/Sql/postgresql/003_membership.sql</c>). A status change is one
/// transaction that first moves the cluster's version from the expected value (the version row stays locked
/// until commit, so concurrent changes run one after another and all but the first find the version moved).
/// Dead rows older than the retention are skipped by reads and deleted by <see cref="PruneAsync"/>
/// (<c>005_membership_retention.sql</c>).
/// </summary>
/// <param name="dialect">Membership's own connections (<see cref="ConnectionString"/>), not the grain storage pool.</param>
/// <param name="deadSiloRetention">How long dead rows stay visible.</param>
internal sealed class PostgreSqlMembershipTable(PostgreSqlDialect dialect, TimeSpan deadSiloRetention) : IMembershipTable
{
    private const string Key = "cluster_id = @cluster AND host = @host AND port = @port AND generation = @generation";

    /// <summary>Connections membership may hold at once: a heartbeat round, a refresh, a join or leave, an admin read.</summary>
    private const int MaxPoolSize = 4;

    /// <summary>
    /// The connection string of membership's own data source. Membership must not queue behind grain storage for a
    /// connection: a silo whose heartbeat waits for a pool that calls saturate is declared dead while healthy. Waiting
    /// for a connection, connecting and each command give up after a quarter of the death timeout (at least 1 s, the
    /// unit of these settings), so a round fails fast and the silo fences itself in time if the database stays away.
    /// </summary>
    /// <param name="connectionString">The storage connection string.</param>
    /// <param name="deathTimeout">The cluster's death timeout.</param>
    /// <returns>The same database with a small pool and short timeouts.</returns>
    public static string ConnectionString(string connectionString, TimeSpan deathTimeout)
    {
        var seconds = Math.Max(1, (int)(deathTimeout.TotalSeconds / 4));
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = MaxPoolSize,
            MinPoolSize = 0,
            Timeout = seconds,
            CommandTimeout = seconds,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "OrderActors membership";
        }

        return builder.ConnectionString;
    }

    public async Task<MembershipSnapshot> ReadAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // One snapshot for the version, the rows and the clock.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = SqlDialect.Command(connection,
            "SELECT COALESCE((SELECT version FROM membership_version WHERE cluster_id = @cluster), 0), now();" +
            "SELECT host, port, generation, status, started_at, heartbeat_at FROM membership " +
            "WHERE cluster_id = @cluster AND (status <> 'dead' OR dead_at >= now() - @retention);" +
            "SELECT host, port, generation, suspecter, suspected_at FROM membership_suspicions WHERE cluster_id = @cluster;",
            ("@cluster", clusterId), ("@retention", deadSiloRetention));
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var version = reader.GetInt64(0);
        var now = reader.GetFieldValue<DateTimeOffset>(1);

        await reader.NextResultAsync(cancellationToken);
        var rows = new List<(SiloAddress Silo, SiloStatus Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((ReadSilo(reader), MembershipRules.FromText(reader.GetString(3)), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        await reader.NextResultAsync(cancellationToken);
        var suspicions = new List<(SiloAddress Suspect, SiloSuspicion Suspicion)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            suspicions.Add((ReadSilo(reader), new SiloSuspicion(SiloAddress.Parse(reader.GetString(3)), reader.GetFieldValue<DateTimeOffset>(4))));
        }

        var entries = rows
            .Select(r => new MembershipEntry(r.Silo, r.Status, r.StartedAt, r.HeartbeatAt, suspicions.Where(s => s.Suspect == r.Silo).Select(s => s.Suspicion).ToArray()))
            .ToArray();
        return new MembershipSnapshot(version, now, entries);
    }

    public Task<bool> TryJoinAsync(string clusterId, SiloAddress silo, long expectedVersion, CancellationToken cancellationToken = default)
        => ChangeAsync(clusterId, expectedVersion,
            async (connection, transaction) =>
            {
                await ExecuteAsync(connection, transaction,
                    "UPDATE membership SET status = 'dead', dead_at = now() " +
                    "WHERE cluster_id = @cluster AND host = @host AND port = @port AND generation < @generation AND status <> 'dead'",
                    clusterId, silo, cancellationToken);
                return await ExecuteAsync(connection, transaction,
                    "INSERT INTO membership (cluster_id, host, port, generation, status) VALUES (@cluster, @host, @port, @generation, 'joining')",
                    clusterId, silo, cancellationToken) == 1;
            },
            cancellationToken);

    public Task<bool> TryChangeStatusAsync(
        string clusterId, SiloAddress silo, SiloStatus status, long expectedVersion, TimeSpan? onlyIfSilentFor = null, CancellationToken cancellationToken = default)
    {
        var from = Enum.GetValues<SiloStatus>().Where(s => MembershipRules.IsForward(s, status)).Select(MembershipRules.ToText).ToArray();
        (string, object?)[] parameters = onlyIfSilentFor is { } silence
            ? [("@status", MembershipRules.ToText(status)), ("@from", from), ("@silence", silence)]
            : [("@status", MembershipRules.ToText(status)), ("@from", from)];
        return ChangeAsync(clusterId, expectedVersion,
            async (connection, transaction) => await ExecuteAsync(connection, transaction,
                $"UPDATE membership SET status = @status, dead_at = CASE WHEN @status = 'dead' THEN now() END WHERE {Key} AND status = ANY(@from)" +
                (onlyIfSilentFor is null ? "" : " AND heartbeat_at < now() - @silence"),
                clusterId, silo, cancellationToken, parameters) == 1,
            cancellationToken);
    }

    public async Task<bool> HeartbeatAsync(string clusterId, SiloAddress silo, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, $"UPDATE membership SET heartbeat_at = now() WHERE {Key} AND status <> 'dead'", clusterId, silo, cancellationToken) == 1;
    }

    public async Task SuspectAsync(string clusterId, SiloAddress suspect, SiloAddress suspecter, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO membership_suspicions (cluster_id, host, port, generation, suspecter) VALUES (@cluster, @host, @port, @generation, @suspecter) " +
            "ON CONFLICT (cluster_id, host, port, generation, suspecter) DO UPDATE SET suspected_at = now()",
            clusterId, suspect, cancellationToken, ("@suspecter", suspecter.ToString()));
    }

    public async Task<int> PruneAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // No version move: dead is final, and suspicions older than the retention can no longer count as votes.
        await using (var suspicions = SqlDialect.Command(connection,
            "DELETE FROM membership_suspicions WHERE cluster_id = @cluster AND suspected_at < now() - @retention",
            ("@cluster", clusterId), ("@retention", deadSiloRetention)))
        {
            await suspicions.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var silos = SqlDialect.Command(connection,
            "DELETE FROM membership WHERE cluster_id = @cluster AND status = 'dead' AND dead_at < now() - @retention",
            ("@cluster", clusterId), ("@retention", deadSiloRetention));
        return await silos.ExecuteNonQueryAsync(cancellationToken);
    }

    // Moves the version from the expected value, then runs the change; commits only if both happened.
    private async Task<bool> ChangeAsync(string clusterId, long expectedVersion, Func<DbConnection, DbTransaction, Task<bool>> change, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = SqlDialect.Command(connection,
            "INSERT INTO membership_version (cluster_id, version) VALUES (@cluster, 0) ON CONFLICT (cluster_id) DO NOTHING", ("@cluster", clusterId)))
        {
            create.Transaction = transaction;
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var bump = SqlDialect.Command(connection,
            "UPDATE membership_version SET version = version + 1, updated_at = now() WHERE cluster_id = @cluster AND version = @expected",
            ("@cluster", clusterId), ("@expected", expectedVersion));
        bump.Transaction = transaction;
        if (await bump.ExecuteNonQueryAsync(cancellationToken) != 1 || !await change(connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, string sql, string clusterId, SiloAddress silo, CancellationToken cancellationToken,
        params (string Name, object? Value)[] more)
    {
        await using var command = SqlDialect.Command(connection, sql,
            [("@cluster", clusterId), ("@host", silo.Host), ("@port", silo.Port), ("@generation", silo.Generation), .. more]);
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SiloAddress ReadSilo(DbDataReader reader) => new(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2));
}
