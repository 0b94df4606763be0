using Microsoft.Extensions.Logging.Abstractions;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// Membership services over one memory table on a clock the test moves, with their heartbeat loops stopped once
/// joined: the test runs each silo's round by hand, so who heartbeated, suspected or failed, and when, is exact.
/// </summary>
public abstract class HandRunMembershipTests : IAsyncLifetime
{
    private readonly List<MembershipService> _services = [];

    protected HandRunMembershipTests(ClusterOptions options)
    {
        Options = options;
        Table = new MemoryMembershipTable(Time, options.DeadSiloRetention);
    }

    protected ManualTimeProvider Time { get; } = new();

    protected MemoryMembershipTable Table { get; }

    protected ClusterOptions Options { get; }

    /// <summary>A service not joined yet, on the shared table or on <paramref name="table"/> (this silo's view of it).</summary>
    protected MembershipService Create(IMembershipTable? table = null)
    {
        var service = new MembershipService(table ?? Table, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<MembershipService>.Instance);
        _services.Add(service);
        return service;
    }

    /// <summary>Joins a silo and stops its heartbeat loop: its rounds are run by hand.</summary>
    protected async Task<MembershipService> JoinAsync(SiloAddress address, IMembershipTable? table = null)
    {
        var service = Create(table);
        await service.JoinAsync(address);
        await service.StopHeartbeatingAsync();
        return service;
    }

    protected async Task<MembershipEntry?> RowAsync(SiloAddress silo) => (await Table.ReadAsync(Options.ClusterId)).Find(silo);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }
    }
}
