using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Persistence;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// <see cref="MembershipService"/> and <see cref="MembershipReader"/> on a real clock with short periods, against the
/// memory table and PostgreSQL. A crash is a silo that stops heartbeating without leaving.
/// </summary>
public abstract class MembershipServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(1);

    // Generous on a loaded machine, still far below a test timeout: death takes DeathTimeout plus a round or two.
    private static readonly TimeSpan DeathDeadline = DeathTimeout + 10 * Period + TimeSpan.FromSeconds(1);

    private readonly List<IAsyncDisposable> _started = [];
    private readonly ClusterOptions _options = new()
    {
        ClusterId = $"c-{Guid.NewGuid():N}",
        HeartbeatPeriod = Period,
        DeathTimeout = DeathTimeout,
        VotesForDeath = 2,
    };

    private int _nextPort = 20000;

    protected IMembershipTable Table { get; set; } = null!;

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var started in _started)
        {
            await started.DisposeAsync();
        }
    }

    private async Task<(MembershipService Service, SiloAddress Address)> JoinAsync(SiloAddress? address = null)
    {
        var service = new MembershipService(Table, Options.Create(_options), TimeProvider.System, NullLogger<MembershipService>.Instance);
        _started.Add(service);
        address ??= new SiloAddress("127.0.0.1", _nextPort++, 1);
        await service.JoinAsync(address);
        return (service, address);
    }

    private async Task<SiloStatus?> StatusAsync(SiloAddress silo) => (await Table.ReadAsync(_options.ClusterId)).Find(silo)?.Status;

    private static Task EveryViewIsAsync(IEnumerable<IMembershipOracle> oracles, SiloAddress[] active, string phase)
        => Eventually.TrueAsync(
            () => oracles.All(o => o.CurrentView.ActiveSilos.OrderBy(s => s.Port).SequenceEqual(active.OrderBy(s => s.Port))),
            $"every view is [{string.Join(", ", active.Select(s => s.ToString()))}] ({phase})");

    [Fact]
    public async Task Joined_silos_are_active_in_every_view_and_ready()
    {
        var (a, addressA) = await JoinAsync();
        Assert.True(a.IsJoined);
        Assert.Equal([addressA], a.CurrentView.ActiveSilos); // the joiner's own view includes it at once

        var (b, addressB) = await JoinAsync();
        var (c, addressC) = await JoinAsync();

        await EveryViewIsAsync([a, b, c], [addressA, addressB, addressC], "after three joins");
        foreach (var silo in new[] { addressA, addressB, addressC })
        {
            Assert.Equal(SiloStatus.Active, await StatusAsync(silo));
        }
    }

    [Fact]
    public async Task Heartbeats_advance_while_the_silo_runs()
    {
        var (_, address) = await JoinAsync();
        var first = (await Table.ReadAsync(_options.ClusterId)).Find(address)!.HeartbeatAt;

        await Eventually.TrueAsync(async () => (await Table.ReadAsync(_options.ClusterId)).Find(address)!.HeartbeatAt > first, "the heartbeat time moved forward");
    }

    [Fact]
    public async Task A_crashed_silo_is_declared_dead_by_its_peers_and_then_stops_when_it_finds_out()
    {
        var (a, addressA) = await JoinAsync();
        var (b, addressB) = await JoinAsync();
        var (c, addressC) = await JoinAsync();
        await EveryViewIsAsync([a, b, c], [addressA, addressB, addressC], "before the crash");
        var declaredDead = new List<SiloAddress>();
        c.DeclaredDead += declaredDead.Add;

        await c.StopHeartbeatingAsync(); // a crash: no leave, no more heartbeats

        await Eventually.TrueAsync(async () => await StatusAsync(addressC) == SiloStatus.Dead, "the peers declared the silent silo dead", DeathDeadline);
        await EveryViewIsAsync([a, b], [addressA, addressB], "after the death");
        Assert.Equal(SiloStatus.Active, await StatusAsync(addressA));
        Assert.Equal(SiloStatus.Active, await StatusAsync(addressB));

        // The silo was only paused: on its next round it reads its own death and stops serving.
        Assert.False(await c.TickAsync());
        Assert.Equal([addressC], declaredDead);
        Assert.True(c.IsDeclaredDead);
        Assert.False(c.IsJoined);
        Assert.DoesNotContain(addressC, c.CurrentView.ActiveSilos);
        Assert.False(await c.TickAsync()); // stays dead, raises nothing more
        Assert.Single(declaredDead);
    }

    [Fact]
    public async Task A_graceful_leave_removes_the_silo_from_views_at_once_and_ends_dead()
    {
        var (a, addressA) = await JoinAsync();
        var (b, addressB) = await JoinAsync();
        await EveryViewIsAsync([a, b], [addressA, addressB], "before the leave");

        await a.LeaveAsync();

        Assert.False(a.IsJoined);
        Assert.Equal([addressB], a.CurrentView.ActiveSilos);
        Assert.Equal(SiloStatus.ShuttingDown, await StatusAsync(addressA));
        await b.RefreshAsync();
        Assert.Equal([addressB], b.CurrentView.ActiveSilos); // the next read, not a death timeout later

        await a.CompleteLeaveAsync();
        Assert.Equal(SiloStatus.Dead, await StatusAsync(addressA));
        Assert.False(a.IsDeclaredDead);
    }

    [Fact]
    public async Task A_restart_after_a_crash_supersedes_the_old_incarnation_once_its_heartbeat_is_old()
    {
        var (old, addressOld) = await JoinAsync();
        var (peer, addressPeer) = await JoinAsync();
        var declaredDead = new List<SiloAddress>();
        old.DeclaredDead += declaredDead.Add;
        await old.StopHeartbeatingAsync(); // the crash; the restart comes at once, while the old heartbeat is recent

        var (restarted, addressNew) = await JoinAsync(addressOld with { Generation = addressOld.Generation + 1 });

        Assert.Equal(SiloStatus.Dead, await StatusAsync(addressOld)); // superseded, or voted out by the peer while the join waited
        Assert.Equal(SiloStatus.Active, await StatusAsync(addressNew));
        await EveryViewIsAsync([restarted, peer], [addressPeer, addressNew], "after the restart");
        Assert.False(await old.TickAsync()); // were the old process only paused, its next round finds its death
        Assert.Equal([addressOld], declaredDead);
        Assert.False(old.IsJoined);
    }

    [Fact]
    public async Task A_join_on_the_endpoint_of_a_live_silo_fails_and_leaves_it_serving()
    {
        var (live, address) = await JoinAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => JoinAsync(address with { Generation = address.Generation + 1 }));

        Assert.Contains(address.Endpoint, error.Message, StringComparison.Ordinal);
        Assert.Contains("AdvertisedHost", error.Message, StringComparison.Ordinal);
        Assert.Equal(SiloStatus.Active, await StatusAsync(address));
        Assert.True(live.IsJoined);
    }

    [Fact]
    public async Task A_reader_sees_the_views_the_silos_see()
    {
        var (a, addressA) = await JoinAsync();
        var reader = new MembershipReader(Table, Options.Create(_options), TimeProvider.System, NullLogger<MembershipReader>.Instance);
        _started.Add(reader);
        await reader.StartAsync(CancellationToken.None);
        Assert.Null(reader.LocalSilo);
        Assert.Equal([addressA], reader.CurrentView.ActiveSilos);

        var (b, addressB) = await JoinAsync();
        await EveryViewIsAsync([reader], [addressA, addressB], "after a join, by polling");
        await b.LeaveAsync();
        await reader.RefreshAsync();
        Assert.Equal([addressA], reader.CurrentView.ActiveSilos);
        await Eventually.TrueAsync(() => a.CurrentView.Version == reader.CurrentView.Version, "the silo and the reader hold the same version");
        Assert.Equal(a.CurrentView.ActiveSilos, reader.CurrentView.ActiveSilos);
    }
}

public sealed class MemoryMembershipServiceTests : MembershipServiceTests
{
    public override Task InitializeAsync()
    {
        Table = new MemoryMembershipTable(TimeProvider.System);
        return Task.CompletedTask;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlMembershipServiceTests(PostgresServer server) : MembershipServiceTests
{
    private PostgreSqlDialect? _dialect;

    public override async Task InitializeAsync() => (Table, _dialect) = await PostgresMembership.OpenAsync(server);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dialect is not null)
        {
            await _dialect.DisposeAsync();
        }
    }
}
