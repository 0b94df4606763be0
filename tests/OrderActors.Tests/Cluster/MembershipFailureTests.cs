using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// Membership when things go wrong, on a clock the test moves and with heartbeat loops stopped (rounds run by hand):
/// a flood of refreshes, a database this silo cannot reach, two processes on one endpoint, a table full of dead rows.
/// </summary>
public sealed class MembershipFailureTests() : HandRunMembershipTests(new ClusterOptions
{
    ClusterId = "failures", HeartbeatPeriod = TimeSpan.FromSeconds(1), DeathTimeout = TimeSpan.FromSeconds(5), VotesForDeath = 2,
    DeadSiloRetention = TimeSpan.FromMinutes(10),
})
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(5);

    private static SiloAddress Silo(int port, long generation = 1) => new("10.0.0.1", port, generation);

    private async Task<SiloStatus?> StatusAsync(SiloAddress silo) => (await RowAsync(silo))?.Status;

    [Fact]
    public async Task Concurrent_refreshes_share_oneTable_read_and_a_refresh_right_after_reuses_it()
    {
        var table = new ObservedMembershipTable(Table);
        var silo = await JoinAsync(Silo(1), table);
        var readsBefore = table.Reads;

        table.HoldReads();
        var refreshes = Enumerable.Range(0, 200).Select(_ => Task.Run(() => silo.RefreshAsync())).ToArray();
        await Eventually.TrueAsync(() => table.Reads > readsBefore, "the first refresh started its read");
        table.ReleaseReads();
        await Task.WhenAll(refreshes);

        Assert.True(table.Reads - readsBefore <= 2, $"200 concurrent refreshes read the table {table.Reads - readsBefore} times; expected one shared read (two if one ended as another began).");

        var afterFlood = table.Reads;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => silo.RefreshAsync()));
        Assert.Equal(afterFlood, table.Reads); // within a quarter period of the read: its view is fresh enough

        Time.Advance(Period / 4);
        await silo.RefreshAsync();
        Assert.Equal(afterFlood + 1, table.Reads); // the interval passed: the next refresh reads again
    }

    [Fact]
    public async Task A_silo_that_cannot_heartbeat_fences_itself_before_its_peers_can_declare_it_dead_and_resumes_when_it_can()
    {
        var cutOff = new ObservedMembershipTable(Table);
        var a = await JoinAsync(Silo(1), cutOff);
        var b = await JoinAsync(Silo(2));
        await a.TickAsync();
        Assert.Equal(2, a.CurrentView.ActiveSilos.Count);
        var views = new List<MembershipView>();
        a.ViewChanged += views.Add;

        cutOff.Unreachable = true;
        var fenceAfter = DeathTimeout - 2 * Period; // 3 s
        for (var elapsed = Period; elapsed < fenceAfter; elapsed += Period)
        {
            Time.Advance(Period);
            await Assert.ThrowsAsync<TimeoutException>(() => a.TickAsync());
            Assert.True(a.IsJoined, $"a still serves {elapsed} after its last heartbeat");
        }

        Time.Advance(Period);
        await Assert.ThrowsAsync<TimeoutException>(() => a.TickAsync());

        Assert.True(a.IsFenced, "a fenced itself 3 s after its last heartbeat");
        Assert.False(a.IsJoined); // not ready
        Assert.Equal([Silo(2)], a.CurrentView.ActiveSilos);
        Assert.Equal([Silo(2)], Assert.Single(views).ActiveSilos); // handlers (catalog, reminders, subscriptions) were told
        await b.TickAsync();
        Assert.Equal(SiloStatus.Active, await StatusAsync(Silo(1))); // the peer cannot declare it dead yet: silent 3 s of 5

        cutOff.Unreachable = false;
        Time.Advance(Period);
        Assert.True(await a.TickAsync());

        Assert.False(a.IsFenced);
        Assert.True(a.IsJoined);
        Assert.Equal([Silo(1), Silo(2)], a.CurrentView.ActiveSilos.OrderBy(s => s.Port));
        Assert.Equal(2, views.Count);
    }

    [Fact]
    public async Task A_fenced_silo_that_was_declared_dead_meanwhile_finds_out_when_it_reaches_theTable()
    {
        var cutOff = new ObservedMembershipTable(Table);
        var a = await JoinAsync(Silo(1), cutOff);
        var b = await JoinAsync(Silo(2));
        var declaredDead = new List<SiloAddress>();
        a.DeclaredDead += declaredDead.Add;

        cutOff.Unreachable = true;
        for (var second = 0; second < 6; second++)
        {
            Time.Advance(Period);
            await Assert.ThrowsAsync<TimeoutException>(() => a.TickAsync());
            await Table.HeartbeatAsync(Options.ClusterId, Silo(2));
            await b.TickAsync();
        }

        Assert.True(a.IsFenced);
        Assert.Equal(SiloStatus.Dead, await StatusAsync(Silo(1)));

        cutOff.Unreachable = false;
        Time.Advance(Period);
        Assert.False(await a.TickAsync());

        Assert.Equal([Silo(1)], declaredDead);
        Assert.True(a.IsDeclaredDead);
        Assert.DoesNotContain(Silo(1), a.CurrentView.ActiveSilos);
    }

    [Fact]
    public async Task A_join_on_the_endpoint_of_a_live_silo_fails_naming_the_endpoint_and_the_settings()
    {
        var live = await JoinAsync(Silo(1));
        var timers = Time.ActiveTimers;
        var other = Create();

        var joining = other.JoinAsync(Silo(1, generation: 2)); // another machine, same 127.0.0.1:11111-style endpoint
        await Eventually.TrueAsync(() => Time.ActiveTimers > timers, "the join waits a period for the live silo's next heartbeat");
        Time.Advance(Period);
        await live.TickAsync(); // it heartbeats: it is alive, not a crashed predecessor
        await Eventually.TrueAsync(() => joining.IsCompleted || Time.ActiveTimers > timers, "the join read again and waits another period");
        Time.Advance(Period);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => joining);
        Assert.Contains("10.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderActors:Cluster:AdvertisedHost", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderActors:Cluster:SiloPort", error.Message, StringComparison.Ordinal);
        Assert.Equal(SiloStatus.Active, await StatusAsync(Silo(1)));
        Assert.Null(await StatusAsync(Silo(1, generation: 2)));
        Assert.True(await live.TickAsync());
    }

    [Fact]
    public async Task A_restart_after_a_crash_supersedes_at_once_when_the_old_heartbeat_is_older_than_the_death_timeout()
    {
        await JoinAsync(Silo(1)); // crashes: never heartbeats again
        Time.Advance(DeathTimeout + Period);

        var restarted = Create();
        await restarted.JoinAsync(Silo(1, generation: 2)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SiloStatus.Dead, await StatusAsync(Silo(1)));
        Assert.Equal(SiloStatus.Active, await StatusAsync(Silo(1, generation: 2)));
    }

    [Fact]
    public async Task A_restart_right_after_a_crash_waits_for_the_old_heartbeat_to_age_then_supersedes()
    {
        await JoinAsync(Silo(1)); // crashes a moment before its restart
        var timers = Time.ActiveTimers;
        var restarted = Create();

        var joining = restarted.JoinAsync(Silo(1, generation: 2));
        for (var waited = TimeSpan.Zero; !joining.IsCompleted && waited <= DeathTimeout + Period; waited += Period)
        {
            await Eventually.TrueAsync(() => joining.IsCompleted || Time.ActiveTimers > timers, "the join waits for the old heartbeat to age");
            Time.Advance(Period);
        }

        await joining.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SiloStatus.Dead, await StatusAsync(Silo(1)));
        Assert.Equal(SiloStatus.Active, await StatusAsync(Silo(1, generation: 2)));
    }

    [Fact]
    public async Task A_heartbeat_round_prunes_dead_rows_older_than_the_retention_and_keeps_recent_ones()
    {
        var observed = new ObservedMembershipTable(Table);
        var a = await JoinAsync(Silo(1), observed);
        var left = await JoinAsync(Silo(2), observed);
        await left.LeaveAsync();
        await left.CompleteLeaveAsync();

        Time.Advance(Options.DeadSiloRetention + Period);
        var recent = await JoinAsync(Silo(3), observed);
        await recent.LeaveAsync();
        await recent.CompleteLeaveAsync();
        Assert.True(await a.TickAsync());

        var snapshot = await Table.ReadAsync(Options.ClusterId);
        Assert.Equal([Silo(1), Silo(3)], snapshot.Entries.Select(e => e.Silo).OrderBy(s => s.Port));
        Assert.Equal(0, await Table.PruneAsync(Options.ClusterId)); // a's round deleted the expired row already
        Assert.Equal(SiloStatus.Active, snapshot.Find(Silo(1))!.Status);
    }
}
