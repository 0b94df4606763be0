using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Persistence;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// The contract of <see cref="IMembershipTable"/>, run against the memory table and PostgreSQL: status changes are
/// optimistic on the cluster's version, only move forward, and concurrent writers never lose an update.
/// </summary>
public abstract class MembershipTableTests : IAsyncLifetime
{
    protected const string Cluster = "test-cluster";
    private static readonly SiloAddress A = new("10.0.0.1", 11111, 1000);
    private static readonly SiloAddress B = new("10.0.0.2", 11111, 1000);

    protected IMembershipTable Table { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>A table with the given dead-silo retention, and a way to let time pass by its clock.</summary>
    protected abstract Task<(IMembershipTable Table, Func<TimeSpan, Task> Pass)> CreateTableAsync(TimeSpan deadSiloRetention);

    [Fact]
    public async Task An_empty_cluster_reads_version_0_and_a_join_registers_a_joining_silo()
    {
        var empty = await Table.ReadAsync(Cluster);
        Assert.Equal(0, empty.Version);
        Assert.Empty(empty.Entries);

        Assert.True(await Table.TryJoinAsync(Cluster, A, 0));
        var joined = await Table.ReadAsync(Cluster);
        Assert.Equal(1, joined.Version);
        var row = Assert.Single(joined.Entries);
        Assert.Equal((A, SiloStatus.Joining), (row.Silo, row.Status));
        Assert.Empty(joined.ToView().ActiveSilos);
        Assert.Equal(0, (await Table.ReadAsync("other-cluster")).Version);
    }

    [Fact]
    public async Task A_status_change_needs_the_current_version_and_only_moves_forward()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        Assert.False(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, expectedVersion: 0)); // stale read
        Assert.True(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, expectedVersion: 1));
        Assert.False(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, expectedVersion: 2)); // not forward
        Assert.True(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.ShuttingDown, expectedVersion: 2));
        Assert.True(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Dead, expectedVersion: 3));
        Assert.False(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, expectedVersion: 4)); // dead is final

        var snapshot = await Table.ReadAsync(Cluster);
        Assert.Equal(4, snapshot.Version);
        Assert.Equal(SiloStatus.Dead, snapshot.Find(A)!.Status);
    }

    [Fact]
    public async Task Heartbeats_advance_by_the_table_clock_and_are_refused_once_dead()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        var before = (await Table.ReadAsync(Cluster)).Find(A)!.HeartbeatAt;
        await Eventually.TrueAsync(async () =>
        {
            Assert.True(await Table.HeartbeatAsync(Cluster, A));
            return (await Table.ReadAsync(Cluster)).Find(A)!.HeartbeatAt > before;
        }, "a heartbeat moved the heartbeat time forward");
        Assert.Equal(1, (await Table.ReadAsync(Cluster)).Version); // heartbeats are not status changes

        Assert.True(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Dead, 1));
        Assert.False(await Table.HeartbeatAsync(Cluster, A));
        Assert.False(await Table.HeartbeatAsync(Cluster, B)); // unknown
    }

    [Fact]
    public async Task A_death_by_silence_is_refused_when_the_silo_heartbeated_within_the_timeout()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        await Table.HeartbeatAsync(Cluster, A);
        Assert.False(await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Dead, 1, onlyIfSilentFor: TimeSpan.FromHours(1)));
        Assert.Equal(SiloStatus.Joining, (await Table.ReadAsync(Cluster)).Find(A)!.Status);
        Assert.Equal(1, (await Table.ReadAsync(Cluster)).Version); // the refused change left no trace
    }

    [Fact]
    public async Task A_new_generation_on_the_same_endpoint_supersedes_the_old_one_in_the_same_change()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        await Table.TryJoinAsync(Cluster, B, 1);
        await Table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, 2);
        var restarted = A with { Generation = A.Generation + 1 };

        Assert.True(await Table.TryJoinAsync(Cluster, restarted, 3));

        var snapshot = await Table.ReadAsync(Cluster);
        Assert.Equal(4, snapshot.Version);
        Assert.Equal(SiloStatus.Dead, snapshot.Find(A)!.Status);
        Assert.Equal(SiloStatus.Joining, snapshot.Find(restarted)!.Status);
        Assert.Equal(SiloStatus.Joining, snapshot.Find(B)!.Status); // another endpoint is untouched
    }

    [Fact]
    public async Task Suspicions_record_who_suspected_whom_and_are_renewed()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        await Table.TryJoinAsync(Cluster, B, 1);
        await Table.SuspectAsync(Cluster, A, B);
        var first = Assert.Single((await Table.ReadAsync(Cluster)).Find(A)!.Suspicions);
        Assert.Equal(B, first.Suspecter);

        await Eventually.TrueAsync(async () =>
        {
            await Table.SuspectAsync(Cluster, A, B);
            return Assert.Single((await Table.ReadAsync(Cluster)).Find(A)!.Suspicions).At > first.At;
        }, "a second suspicion by the same silo renewed its time");
        Assert.Empty((await Table.ReadAsync(Cluster)).Find(B)!.Suspicions);
        Assert.Equal(2, (await Table.ReadAsync(Cluster)).Version); // suspicions are not status changes
    }

    [Fact]
    public async Task Dead_rows_older_than_the_retention_are_not_read_and_are_pruned_with_their_suspicions()
    {
        var retention = TimeSpan.FromHours(1);
        var (table, pass) = await CreateTableAsync(retention);
        var old = new SiloAddress("10.0.0.3", 11111, 1000);
        var recent = new SiloAddress("10.0.0.4", 11111, 1000);
        await table.TryJoinAsync(Cluster, A, 0);
        await table.TryChangeStatusAsync(Cluster, A, SiloStatus.Active, 1);
        await table.TryJoinAsync(Cluster, old, 2);
        await table.SuspectAsync(Cluster, old, A);
        await table.SuspectAsync(Cluster, A, old);
        await table.TryChangeStatusAsync(Cluster, old, SiloStatus.Dead, 3);

        await pass(retention + TimeSpan.FromMinutes(1));
        await table.TryJoinAsync(Cluster, recent, 4);
        await table.TryChangeStatusAsync(Cluster, recent, SiloStatus.Dead, 5);

        var read = await table.ReadAsync(Cluster);
        Assert.Equal(6, read.Version);
        Assert.Null(read.Find(old)); // dead for longer than the retention: skipped before any prune
        Assert.Equal(SiloStatus.Dead, read.Find(recent)?.Status); // dead a moment ago: still shown (admin endpoint)
        Assert.Equal(SiloStatus.Active, read.Find(A)?.Status); // active, even with an hour-old heartbeat

        Assert.Equal(1, await table.PruneAsync(Cluster));
        Assert.Equal(0, await table.PruneAsync(Cluster));
        var pruned = await table.ReadAsync(Cluster);
        Assert.Equal(6, pruned.Version); // pruning is not a status change
        Assert.Equal([A, recent], pruned.Entries.Select(e => e.Silo).OrderBy(s => s.Host));
        Assert.Empty(pruned.Find(A)!.Suspicions); // the old suspicion by the pruned silo went too
    }

    [Fact]
    public async Task Concurrent_declarations_on_one_version_apply_exactly_once()
    {
        await Table.TryJoinAsync(Cluster, A, 0);
        await Table.TryJoinAsync(Cluster, B, 1);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var declarations = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await Table.TryChangeStatusAsync(Cluster, i % 2 == 0 ? A : B, SiloStatus.Dead, expectedVersion: 2);
        })).ToArray();
        start.SetResult();

        var won = (await Task.WhenAll(declarations)).Count(ok => ok);

        Assert.Equal(1, won);
        var snapshot = await Table.ReadAsync(Cluster);
        Assert.Equal(3, snapshot.Version);
        Assert.Single(snapshot.Entries, e => e.Status == SiloStatus.Dead);
    }

    [Fact]
    public async Task Silos_joining_and_dying_concurrently_lose_no_update_when_losers_read_again()
    {
        var silos = Enumerable.Range(0, 6).Select(i => new SiloAddress($"10.0.1.{i}", 11111, 1)).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = silos.Select(silo => Task.Run(async () =>
        {
            await start.Task;
            // Join, then die: each step retried on a fresh read, the way MembershipService does it.
            while (!await Table.TryJoinAsync(Cluster, silo, (await Table.ReadAsync(Cluster)).Version))
            {
            }

            while (!await Table.TryChangeStatusAsync(Cluster, silo, SiloStatus.Dead, (await Table.ReadAsync(Cluster)).Version))
            {
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(writers);

        var snapshot = await Table.ReadAsync(Cluster);
        Assert.Equal(2 * silos.Length, snapshot.Version);
        Assert.All(silos, s => Assert.Equal(SiloStatus.Dead, snapshot.Find(s)?.Status));
    }
}

public sealed class MemoryMembershipTableTests : MembershipTableTests
{
    public override Task InitializeAsync()
    {
        Table = new MemoryMembershipTable(TimeProvider.System);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync() => Task.CompletedTask;

    protected override Task<(IMembershipTable Table, Func<TimeSpan, Task> Pass)> CreateTableAsync(TimeSpan deadSiloRetention)
    {
        var clock = new ManualTimeProvider();
        return Task.FromResult<(IMembershipTable, Func<TimeSpan, Task>)>((new MemoryMembershipTable(clock, deadSiloRetention), by =>
        {
            clock.Advance(by);
            return Task.CompletedTask;
        }));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlMembershipTableTests(PostgresServer server) : MembershipTableTests
{
    private PostgreSqlDialect? _dialect;

    public override async Task InitializeAsync()
    {
        (Table, _dialect) = await PostgresMembership.OpenAsync(server);
    }

    public override async Task DisposeAsync()
    {
        if (_dialect is not null)
        {
            await _dialect.DisposeAsync();
        }
    }

    protected override Task<(IMembershipTable Table, Func<TimeSpan, Task> Pass)> CreateTableAsync(TimeSpan deadSiloRetention)
    {
        // The database clock cannot be moved: moving every stored time of the cluster back is the same as time passing.
        var dialect = _dialect!;
        return Task.FromResult<(IMembershipTable, Func<TimeSpan, Task>)>((new PostgreSqlMembershipTable(dialect, deadSiloRetention), async by =>
        {
            await using var connection = await dialect.OpenAsync(CancellationToken.None);
            await using var command = SqlDialect.Command(connection,
                "UPDATE membership SET started_at = started_at - @by, heartbeat_at = heartbeat_at - @by, dead_at = dead_at - @by WHERE cluster_id = @cluster;" +
                "UPDATE membership_suspicions SET suspected_at = suspected_at - @by WHERE cluster_id = @cluster;",
                ("@by", by), ("@cluster", Cluster));
            await command.ExecuteNonQueryAsync();
        }));
    }
}

/// <summary>A migrated PostgreSQL database with its membership table.</summary>
internal static class PostgresMembership
{
    public static async Task<(IMembershipTable Table, PostgreSqlDialect Dialect)> OpenAsync(PostgresServer server)
    {
        var dialect = new PostgreSqlDialect(await server.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dialect, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        return (new PostgreSqlMembershipTable(dialect, TimeSpan.FromHours(1)), dialect);
    }
}
