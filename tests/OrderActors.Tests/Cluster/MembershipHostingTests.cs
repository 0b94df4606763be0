using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>The process wiring: a silo host joins when it has started, leaves when it stops, stops when declared dead.</summary>
public sealed class MembershipHostingTests
{
    private static Dictionary<string, string?> Settings(int port, string cluster) => new()
    {
        ["OrderActors:Cluster:ClusterId"] = cluster,
        ["OrderActors:Cluster:SiloPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OrderActors:Cluster:HeartbeatPeriod"] = "00:00:00.1",
        ["OrderActors:Cluster:DeathTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task A_silo_host_joins_once_started_leaves_on_stop_and_is_ready_only_while_joined()
    {
        var shared = new SharedClusterStorage(TimeProvider.System);
        var cluster = $"c-{Guid.NewGuid():N}";
        await using var first = await ClusterTestSilo.StartAsync("a", shared, TimeProvider.System, oracle: null, Settings(21001, cluster));
        await using var second = await ClusterTestSilo.StartAsync("b", shared, TimeProvider.System, oracle: null, Settings(21002, cluster));
        var membershipA = first.Services.GetRequiredService<MembershipService>();
        var membershipB = second.Services.GetRequiredService<MembershipService>();
        Assert.Same(membershipA, first.Services.GetRequiredService<IMembershipOracle>());
        Assert.True(membershipA.IsJoined);
        Assert.True(await first.Services.GetRequiredService<Silo>().IsHealthyAsync());
        await Eventually.TrueAsync(() => membershipA.CurrentView.ActiveSilos.Count == 2 && membershipB.CurrentView.ActiveSilos.Count == 2, "both silos see both");

        var addressA = membershipA.LocalSilo!;
        await first.StopAsync();

        Assert.Equal(SiloStatus.Dead, (await shared.Membership.ReadAsync(cluster)).Find(addressA)!.Status);
        Assert.False(await first.Services.GetRequiredService<Silo>().IsHealthyAsync());
        await Eventually.TrueAsync(() => membershipB.CurrentView.ActiveSilos.SequenceEqual([membershipB.LocalSilo!]), "b's view lost a at once, not after a death timeout");
    }

    [Fact]
    public async Task A_silo_host_declared_dead_by_its_peers_stops()
    {
        var shared = new SharedClusterStorage(TimeProvider.System);
        var cluster = $"c-{Guid.NewGuid():N}";
        await using var silo = await ClusterTestSilo.StartAsync("a", shared, TimeProvider.System, oracle: null, Settings(21003, cluster));
        var membership = silo.Services.GetRequiredService<MembershipService>();
        var stopping = silo.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        var snapshot = await shared.Membership.ReadAsync(cluster);
        Assert.True(await shared.Membership.TryChangeStatusAsync(cluster, membership.LocalSilo!, SiloStatus.Dead, snapshot.Version)); // as peers would

        await Eventually.TrueAsync(() => stopping.IsCancellationRequested, "the host began to stop after the silo read its own death");
        Assert.True(membership.IsDeclaredDead);
        Assert.False(await silo.Services.GetRequiredService<Silo>().IsHealthyAsync());
    }

    [Theory]
    [InlineData("true", "Memory", "00:00:01", "00:00:10", "1", "Provider is Memory")]
    [InlineData("false", "Memory", "00:00:01", "00:00:02", "1", "DeathTimeout is 00:00:02; it must be more than twice HeartbeatPeriod")]
    [InlineData("false", "Memory", "00:00:01", "00:00:10", "0", "VotesForDeath is 0")]
    [InlineData("false", "Memory", "00:00:01", "00:00:10", "1", "ConnectionIdleTimeout is -00:00:05; it must be positive", "-00:00:05")]
    public async Task Invalid_cluster_options_fail_the_start_with_a_message_naming_the_rule(
        string enabled, string provider, string period, string deathTimeout, string votes, string message, string? idleTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderActors:Storage:Provider"] = provider,
            ["OrderActors:Cluster:Enabled"] = enabled,
            ["OrderActors:Cluster:HeartbeatPeriod"] = period,
            ["OrderActors:Cluster:DeathTimeout"] = deathTimeout,
            ["OrderActors:Cluster:VotesForDeath"] = votes,
            ["OrderActors:Cluster:ConnectionIdleTimeout"] = idleTimeout,
        });
        builder.Services.AddOrderActorsSilo(builder.Configuration, silo => silo.GrainAssemblies.Add(typeof(MembershipHostingTests).Assembly));
        using var host = builder.Build();

        // An options failure, or (cluster on without PostgreSQL) the membership table refusing to be built: both name the rule.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
