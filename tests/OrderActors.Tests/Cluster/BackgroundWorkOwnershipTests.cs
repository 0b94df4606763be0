using OrderActors.Runtime;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Placement;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// Background work in a cluster: reminders fire on the owner of their grain and subscription loops run on the owner
/// of their consumer grain, in the silo's current view; a view change moves them. Two silos share storage, reminder
/// table and time; each has a <see cref="StaticMembershipOracle"/> the test publishes views to.
/// </summary>
public sealed class BackgroundWorkOwnershipTests : IAsyncLifetime
{
    private static readonly SiloAddress A = new("10.0.0.1", 11111, 1);
    private static readonly SiloAddress B = new("10.0.0.2", 11111, 1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly ManualTimeProvider _time = new();
    private readonly StaticMembershipOracle _oracleA = new(A, new MembershipView(1, [A, B]));
    private readonly StaticMembershipOracle _oracleB = new(B, new MembershipView(1, [A, B]));
    private ClusterTestSilo _siloA = null!;
    private ClusterTestSilo _siloB = null!;

    public async Task InitializeAsync()
    {
        var shared = new SharedClusterStorage(_time);
        _siloA = await ClusterTestSilo.StartAsync("a", shared, _time, _oracleA);
        _siloB = await ClusterTestSilo.StartAsync("b", shared, _time, _oracleB);
    }

    public async Task DisposeAsync()
    {
        await _siloA.DisposeAsync();
        await _siloB.DisposeAsync();
    }

    private string KeyOwnedBy(SiloAddress owner, MembershipView view)
        => Enumerable.Range(0, 1000).Select(i => $"tick-{i}").First(k => RendezvousPlacement.PickOwner(_siloA.GrainId<ClusterTickGrain>(k), view) == owner);

    private async Task<int> TicksSettledAsync(string key)
    {
        // A tick claimed by either silo is already a queued call: a ping behind it on each silo lets it land.
        await _siloA.Grains.GetGrain<IClusterTickGrain>(key).PingAsync();
        await _siloB.Grains.GetGrain<IClusterTickGrain>(key).PingAsync();
        return _siloA.Ticks.Count(key) + _siloB.Ticks.Count(key);
    }

    [Fact]
    public async Task A_reminder_fires_only_on_its_owner_and_moves_to_the_new_owner_without_loss_or_double()
    {
        var key = KeyOwnedBy(A, _oracleA.CurrentView);
        var id = _siloA.GrainId<ClusterTickGrain>(key);
        await _siloA.Grains.GetGrain<IClusterTickGrain>(key).StartAsync(Minute, Minute);
        Assert.True(_siloA.Reminders.IsScheduled(id, "tick"), "the owner schedules the reminder");
        Assert.False(_siloB.Reminders.IsScheduled(id, "tick"), "the other silo does not");

        _time.Advance(Minute);
        await Eventually.TrueAsync(() => _siloA.Ticks.Count(key) == 1, "tick 1 reached the grain on its owner a");

        var onlyB = new MembershipView(2, [B]); // a leaves
        _oracleA.Publish(onlyB);
        _oracleB.Publish(onlyB);
        await Eventually.TrueAsync(() => _siloB.Reminders.IsScheduled(id, "tick") && !_siloA.Reminders.IsScheduled(id, "tick"), "the reminder moved from a to b");

        // b gained it right after tick 1: it tries tick 1 again, finds it claimed, and delivers tick 2 only.
        _time.Advance(Minute);
        await Eventually.TrueAsync(() => _siloB.Ticks.Count(key) == 1, "tick 2 reached the grain on its new owner b");
        Assert.Equal(2, await TicksSettledAsync(key));
        Assert.Equal(1, _siloA.Ticks.Count(key));
    }

    [Fact]
    public async Task Two_silos_whose_views_disagree_deliver_each_tick_once()
    {
        var key = KeyOwnedBy(A, _oracleA.CurrentView);
        var id = _siloA.GrainId<ClusterTickGrain>(key);
        await _siloA.Grains.GetGrain<IClusterTickGrain>(key).StartAsync(Minute, Minute);
        _oracleB.Publish(new MembershipView(2, [B])); // b read the table, a has not yet: both believe they own the grain
        await Eventually.TrueAsync(() => _siloB.Reminders.IsScheduled(id, "tick"), "b scheduled the reminder it believes it owns");
        Assert.True(_siloA.Reminders.IsScheduled(id, "tick"));

        for (var tick = 1; tick <= 3; tick++)
        {
            _time.Advance(Minute);
            var expected = tick;
            await Eventually.TrueAsync(() => _siloA.Ticks.Count(key) + _siloB.Ticks.Count(key) >= expected, $"tick {tick} was delivered");
            Assert.Equal(tick, await TicksSettledAsync(key));
        }
    }

    [Fact]
    public async Task A_reminder_registered_before_a_silo_joins_fires_on_whichever_silo_owns_it()
    {
        var onlyA = new MembershipView(2, [A]);
        _oracleA.Publish(onlyA);
        _oracleB.Publish(onlyA);
        var both = new MembershipView(3, [A, B]);
        var key = KeyOwnedBy(B, both);
        var id = _siloA.GrainId<ClusterTickGrain>(key);
        await _siloA.Grains.GetGrain<IClusterTickGrain>(key).StartAsync(Minute, Minute);
        Assert.True(_siloA.Reminders.IsScheduled(id, "tick"));

        _oracleA.Publish(both); // b joins and owns the grain
        _oracleB.Publish(both);
        await Eventually.TrueAsync(() => _siloB.Reminders.IsScheduled(id, "tick") && !_siloA.Reminders.IsScheduled(id, "tick"), "b took the reminder over");

        _time.Advance(Minute);
        await Eventually.TrueAsync(() => _siloB.Ticks.Count(key) == 1, "the first tick reached b");
        Assert.Equal(1, await TicksSettledAsync(key));
    }

    [Fact]
    public async Task Each_subscription_loop_runs_on_exactly_one_silo_and_moves_with_the_view()
    {
        var names = _siloA.Subscriptions.List().Select(s => s.Name).ToArray();
        Assert.NotEmpty(names);

        await LoopsFollowAsync(_oracleA.CurrentView, names, "two silos");

        var onlyA = new MembershipView(2, [A]);
        _oracleA.Publish(onlyA);
        _oracleB.Publish(onlyA);
        await LoopsFollowAsync(onlyA, names, "b left");

        var both = new MembershipView(3, [A, B]);
        _oracleA.Publish(both);
        _oracleB.Publish(both);
        await LoopsFollowAsync(both, names, "b came back");
    }

    private async Task LoopsFollowAsync(MembershipView view, string[] names, string phase)
    {
        string[] Expected(SiloAddress silo) => names
            .Where(n => RendezvousPlacement.PickOwner(new GrainId(n, StreamSubscriptionAttribute.ConsumerKey), view) == silo)
            .Order(StringComparer.Ordinal)
            .ToArray();

        await Eventually.TrueAsync(
            () => _siloA.Subscriptions.RunningHere().Order(StringComparer.Ordinal).SequenceEqual(Expected(A))
                && _siloB.Subscriptions.RunningHere().Order(StringComparer.Ordinal).SequenceEqual(Expected(B)),
            $"every subscription loop runs on the owner of its consumer in {view} ({phase})");
    }
}
