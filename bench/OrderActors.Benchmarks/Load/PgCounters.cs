using Npgsql;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// PostgreSQL's counters at one moment. <see cref="WriteTransactions"/> (the next transaction id) and
/// <see cref="WalLsn"/> (the current WAL position) are exact at the moment they are read, so their deltas are the
/// commits that wrote something and the WAL bytes of a window. The cumulative statistics (<c>pg_stat_database</c>'s
/// <c>xact_commit</c>, <c>pg_stat_wal</c>'s <c>wal_bytes</c>) are kept too, but each backend publishes them at most once
/// a second and an idle one only after up to 10 s, so over a short window they are off by about a second's worth.
/// </summary>
internal sealed record PgCounters(long WriteTransactions, long WalLsn, long StatCommits, long StatWalBytes)
{
    /// <summary>The query (also behind <c>pg-counters</c>, which <c>bench/compare.sh</c> runs around pgbench). Reading the next transaction id does not consume one.</summary>
    public const string Query =
        "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, " +
        "(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), (SELECT wal_bytes::bigint FROM pg_stat_wal)";

    /// <summary>Reads the counters on a connection of its own (not pooled, so no idle backend lingers).</summary>
    public static async Task<PgCounters> ReadAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new PgCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>The counters' growth from <paramref name="start"/> to this reading.</summary>
    public PgCounters Since(PgCounters start)
        => new(WriteTransactions - start.WriteTransactions, WalLsn - start.WalLsn, StatCommits - start.StatCommits, StatWalBytes - start.StatWalBytes);
}
