using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>
/// Orleans' ADO.NET clustering (UseAdoNetClustering) on our PostgreSQL schema and query texts: silos join one
/// cluster through the membership table and see each other, a client finds them through the gateway list and
/// calls a grain, a silo that stops is marked dead, and the table's other operations keep their contract.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusteringTests(PostgresServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Active = 3;
    private const int Dead = 6;
    private readonly List<IHost> _hosts = [];
    private readonly string _serviceId = "svc-" + Guid.NewGuid().ToString("N");
    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N");
    private AdoNetDatabase _database = null!;

    public async Task InitializeAsync() => _database = await AdoNetDatabase.PostgreSqlAsync(server);

    public async Task DisposeAsync()
    {
        // Clients first, then silos, the last-started silo first.
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await AdoNetHosts.StopAsync(_hosts[i]);
        }
    }

    private async Task<IHost> StartSiloAsync()
    {
        var silo = await AdoNetHosts.StartSiloAsync(output, _serviceId, silo => silo
            .UseAdoNetClustering(o =>
            {
                o.Invariant = _database.Invariant;
                o.ConnectionString = _database.ConnectionString;
            })
            .Configure<ClusterMembershipOptions>(o => o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1)),
            _clusterId,
            localhostClustering: false);
        _hosts.Add(silo);
        return silo;
    }

    private async Task<IHost> StartClientAsync()
    {
        var client = await AdoNetHosts.StartClientAsync(output, client => client
            .Configure<ClusterOptions>(o =>
            {
                o.ServiceId = _serviceId;
                o.ClusterId = _clusterId;
            })
            .UseAdoNetClustering(o =>
            {
                o.Invariant = _database.Invariant;
                o.ConnectionString = _database.ConnectionString;
            }));
        _hosts.Add(client);
        return client;
    }

    [Fact]
    public async Task Silos_join_through_the_membership_table_and_a_client_calls_them_through_the_gateway_list()
    {
        var first = await StartSiloAsync();
        var firstAddress = first.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.Equal(new[] { new[] { firstAddress.Endpoint.Port.ToString(), Active.ToString() } }, await MembersAsync());

        var second = await StartSiloAsync();
        var secondAddress = second.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        foreach (var silo in new[] { first, second })
        {
            var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            await EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos see each other as active");
        }

        Assert.Equal(
            new[] { firstAddress, secondAddress }.Select(a => new[] { a.Endpoint.Port.ToString(), Active.ToString() }).OrderBy(r => r[0], StringComparer.Ordinal),
            (await MembersAsync()).OrderBy(r => r[0], StringComparer.Ordinal));

        var client = await StartClientAsync();
        var gateways = await client.Services.GetRequiredService<IGatewayListProvider>().GetGateways();
        Assert.Equal(
            new[] { firstAddress, secondAddress }.Select(a => a.Endpoint.Address.ToString()).Distinct(),
            gateways.Select(g => g.Host).Distinct());
        Assert.Equal(2, gateways.Count);

        var grains = client.Services.GetRequiredService<IClusterClient>();
        var silos = new HashSet<string> { firstAddress.ToString(), secondAddress.ToString() };
        for (var i = 0; i < 10; i++)
        {
            Assert.Contains(await grains.GetGrain<IWhereGrain>(i).Where(), silos);
        }

        // A silo that leaves is dead in the table; the cluster keeps serving the client.
        _hosts.Remove(second);
        await AdoNetHosts.StopAsync(second);
        await EventuallyAsync(async () => (await MembersAsync()).Any(r => r[0] == secondAddress.Endpoint.Port.ToString() && r[1] == Dead.ToString()),
            "the stopped silo is dead in the membership table");
        for (var i = 10; i < 15; i++)
        {
            Assert.Equal(firstAddress.ToString(), await grains.GetGrain<IWhereGrain>(i).Where());
        }
    }

    [Fact]
    public async Task The_membership_table_keeps_its_contract()
    {
        var silo = await StartSiloAsync();
        var address = silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var table = silo.Services.GetRequiredService<IMembershipTable>();

        // One row per silo and the version row's version, read in one snapshot.
        var all = await table.ReadAllAsync();
        var (entry, _) = Assert.Single(all.Members);
        Assert.Equal((address, SiloStatus.Active), (entry.SiloAddress, entry.Status));
        Assert.True(entry.ProxyPort > 0);
        Assert.Equal(DateTimeKind.Utc, entry.StartTime.Kind);
        var version = (await AdoNetSql.QueryAsync(_database, $"SELECT version FROM orleans_membership_version WHERE cluster_id = '{_clusterId}'")).Single()[0];
        Assert.Equal(version, all.Version.VersionEtag);

        var row = await table.ReadRowAsync(address);
        Assert.Equal(address, Assert.Single(row.Members).Item1.SiloAddress);
        Assert.Empty((await table.ReadRowAsync(SiloAddress.New(address.Endpoint, address.Generation + 1))).Members);

        // The heartbeat moves without a version change.
        var heartbeat = entry.IAmAliveTime;
        await EventuallyAsync(async () => Assert.Single((await table.ReadAllAsync()).Members).Item1.IAmAliveTime > heartbeat, "the heartbeat is written");
        Assert.Equal(all.Version.VersionEtag, (await table.ReadAllAsync()).Version.VersionEtag);

        // A change with a stale table version is refused and changes nothing.
        var stale = new TableVersion(all.Version.Version, (int.Parse(all.Version.VersionEtag) - 1).ToString());
        var ghost = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(address.Endpoint, address.Generation - 1),
            SiloName = "ghost",
            HostName = "localhost",
            Status = SiloStatus.Dead,
            ProxyPort = 0,
            StartTime = DateTime.UtcNow.AddHours(-2),
            IAmAliveTime = DateTime.UtcNow.AddHours(-2),
        };
        Assert.False(await table.InsertRowAsync(ghost, stale.Next()));
        Assert.False(await table.UpdateRowAsync(entry, "", stale.Next()));

        // With the current version a dead row goes in, and its insert moves the version.
        var current = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(ghost, current.Next()));
        Assert.False(await table.InsertRowAsync(ghost, (await table.ReadAllAsync()).Version.Next()));
        Assert.Equal((int.Parse(current.VersionEtag) + 1).ToString(), (await table.ReadAllAsync()).Version.VersionEtag);

        Assert.Equal(2, (await MembersAsync()).Count);

        // Dead rows last heard of before the cut-off go; the live silo stays.
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-3));
        Assert.Equal(2, (await table.ReadAllAsync()).Members.Count);
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow);
        Assert.Equal(address, Assert.Single((await table.ReadAllAsync()).Members).Item1.SiloAddress);

        // Deleting another cluster's entries leaves ours alone.
        await AdoNetSql.ExecuteAsync(_database, "INSERT INTO orleans_membership_version (cluster_id) VALUES ('other-cluster')");
        await table.DeleteMembershipTableEntriesAsync("other-cluster");
        Assert.Empty(await AdoNetSql.QueryAsync(_database, "SELECT 1 FROM orleans_membership_version WHERE cluster_id = 'other-cluster'"));
        Assert.Single((await table.ReadAllAsync()).Members);
    }

    /// <summary>The (port, status) of each row of the cluster.</summary>
    private Task<List<string?[]>> MembersAsync()
        => AdoNetSql.QueryAsync(_database, $"SELECT port, status FROM orleans_membership WHERE cluster_id = '{_clusterId}'");

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                Assert.Fail($"Timed out after {clock.Elapsed.TotalSeconds:0}s waiting until {what}.");
            }

            await Task.Delay(200);
        }
    }
}
