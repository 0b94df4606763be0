using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Placement;
using OrderActors.Runtime.Reminders;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// Several cluster-mode silos in one test process, each its own host, talking over real TCP on loopback (ports
/// chosen by the OS), sharing one in-memory store. There is no membership table: every silo and client has a
/// <see cref="StaticMembershipOracle"/>, and the cluster publishes the views (the same to everyone, unless a test
/// publishes a diverging one to one member).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly MemoryGrainStorage _storage = new();
    private readonly MemoryReminderTable _reminders = new();
    private readonly List<ClusterMember> _members = [];
    private readonly Action<SiloOptions>? _configure;
    private readonly IDictionary<string, string?> _settings;
    private long _version;

    private TestCluster(Action<SiloOptions>? configure, IDictionary<string, string?>? settings)
    {
        _configure = configure;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    /// <summary>The running silos, in start order.</summary>
    public List<ClusterSilo> Silos { get; } = [];

    public IGrainStorage Storage => _storage;

    /// <summary>The view last published to everyone.</summary>
    public MembershipView View { get; private set; } = MembershipView.Empty;

    public static async Task<TestCluster> StartAsync(int silos, Action<SiloOptions>? configure = null, IDictionary<string, string?>? settings = null)
    {
        var cluster = new TestCluster(configure, settings);
        for (var i = 0; i < silos; i++)
        {
            await cluster.StartSiloAsync();
        }

        return cluster;
    }

    /// <summary>Starts a silo and publishes a view with it and every running silo to everyone.</summary>
    public async Task<ClusterSilo> StartSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderActors:Storage:Provider"] = "Memory",
            ["OrderActors:Cluster:Enabled"] = "true",
            ["OrderActors:Cluster:SiloPort"] = "0",
            ["OrderActors:Cluster:AdvertisedHost"] = "127.0.0.1",
            ["OrderActors:Silo:RunStreamSubscriptions"] = "false",
        });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Services.AddOrderActorsDomain(builder.Configuration);
        var view = View;
        // Registered before the silo, so the silo uses it instead of PostgreSQL membership; resolved after the silo
        // bound its port, so the oracle knows its own address.
        builder.Services.AddSingleton<IMembershipOracle>(sp => new StaticMembershipOracle(() => sp.GetRequiredService<Silo>().Address, view));
        builder.Services.AddOrderActorsSilo(builder.Configuration, silo =>
        {
            silo.AddDomainGrains();
            silo.GrainAssemblies.Add(typeof(TestCluster).Assembly);
            silo.SerializeLocalCalls = true;
            silo.CallTimeout = TimeSpan.FromSeconds(10);
            _configure?.Invoke(silo);
        });
        builder.Services.Replace(ServiceDescriptor.Singleton<IGrainStorage>(_storage));
        builder.Services.Replace(ServiceDescriptor.Singleton<IStorageInitializer>(_storage));
        builder.Services.Replace(ServiceDescriptor.Singleton<IStreamReader>(_storage));
        builder.Services.Replace(ServiceDescriptor.Singleton<IReminderTable>(_reminders));

        var host = builder.Build();
        await host.StartAsync();
        var silo = new ClusterSilo(host);
        Silos.Add(silo);
        _members.Add(silo);
        PublishView(Silos.ToArray());
        return silo;
    }

    /// <summary>Starts a cluster client (no grains of its own) that routes by the published views.</summary>
    public async Task<ClusterClientHost> StartClientAsync(string clusterId = "orderactors", IMembershipOracle? oracle = null, TimeSpan? callTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OrderActors:Cluster:ClusterId"] = clusterId });
        builder.Services.AddSingleton(oracle ?? new StaticMembershipOracle((SiloAddress?)null, View));
        builder.Services.AddOrderActorsClient(builder.Configuration, client =>
        {
            client.GrainAssemblies.Add(typeof(DomainGrains).Assembly);
            client.GrainAssemblies.Add(typeof(TestCluster).Assembly);
            client.JsonContexts.Add(GrainsJsonContext.Default);
            client.CallTimeout = callTimeout ?? TimeSpan.FromSeconds(10);
        });
        var host = builder.Build();
        await host.StartAsync();
        var client = new ClusterClientHost(host);
        _members.Add(client);
        return client;
    }

    /// <summary>Publishes a new view with these silos to every silo and client.</summary>
    public MembershipView PublishView(params ClusterSilo[] active)
    {
        View = NextView(active);
        foreach (var member in _members.Where(m => m.IsRunning))
        {
            member.Publish(View);
        }

        return View;
    }

    /// <summary>Publishes a view with these silos to one member only (a view that has not spread yet).</summary>
    public MembershipView PublishViewTo(ClusterMember member, params ClusterSilo[] active)
    {
        var view = NextView(active);
        member.Publish(view);
        return view;
    }

    /// <summary>The silo that owns a grain by the view everyone has.</summary>
    public ClusterSilo OwnerOf(GrainId grain)
    {
        var owner = RendezvousPlacement.PickOwner(grain, View);
        return Silos.Single(s => s.Address == owner);
    }

    /// <summary>A key of the given grain type that <paramref name="owner"/> owns by the current view.</summary>
    public string KeyOwnedBy(ClusterSilo owner, string grainType, string prefix = "k")
    {
        for (var i = 0; ; i++)
        {
            var key = $"{prefix}-{Guid.NewGuid():N}-{i}";
            if (OwnerOf(new GrainId(grainType, key)) == owner)
            {
                return key;
            }
        }
    }

    /// <summary>Leaves gracefully: the silo leaves the view first, then stops (its grains deactivate, state written).</summary>
    public async Task StopSiloAsync(ClusterSilo silo)
    {
        Silos.Remove(silo);
        PublishView(Silos.ToArray());
        await silo.StopAsync();
    }

    /// <summary>
    /// Crashes a silo: its sockets close at once and its activations vanish without OnDeactivateAsync. The view is not
    /// changed; a test publishes the view without it when the membership would have noticed.
    /// </summary>
    public async Task KillSiloAsync(ClusterSilo silo)
    {
        Silos.Remove(silo);
        await silo.KillAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members.Where(m => m.IsRunning).Reverse())
        {
            await member.StopAsync();
        }
    }

    private MembershipView NextView(ClusterSilo[] active)
        => new(Interlocked.Increment(ref _version), active.Select(s => s.Address));
}

/// <summary>A silo or client of a <see cref="TestCluster"/>.</summary>
public abstract class ClusterMember(IHost host)
{
    public IHost Host { get; } = host;

    public IGrainFactory Grains { get; } = host.Services.GetRequiredService<IGrainFactory>();

    public IMembershipOracle Oracle { get; } = host.Services.GetRequiredService<IMembershipOracle>();

    public void Publish(MembershipView view)
    {
        switch (Oracle)
        {
            case StaticMembershipOracle fixedViews:
                fixedViews.Publish(view);
                break;
            case TableMembershipOracle table:
                table.Publish(view);
                break;
        }
    }

    public bool IsRunning { get; private set; } = true;

    public async Task StopAsync()
    {
        if (IsRunning)
        {
            IsRunning = false;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Host.StopAsync(timeout.Token);
            Host.Dispose();
        }
    }

    protected void MarkStopped() => IsRunning = false;
}

public sealed class ClusterSilo(IHost host) : ClusterMember(host)
{
    public Silo Silo { get; } = host.Services.GetRequiredService<Silo>();

    public SiloAddress Address => Silo.Address!;

    /// <summary>Whether this silo holds an activation of the grain right now.</summary>
    public bool HasActivation(GrainId grain)
        => Host.Services.GetRequiredService<OrderActors.Runtime.Activation.Catalog>().TryGetActivation(grain, out _);

    /// <summary>Closes this silo's sockets (accepted and opened) as a network failure would; the silo keeps running.</summary>
    internal void DropConnections() => Silo.Transport!.DropConnections();

    internal async Task KillAsync()
    {
        await Silo.Transport!.KillAsync();
        MarkStopped();
        await Host.StopAsync(); // what is left to stop has nothing to deactivate
        Host.Dispose();
    }

    public override string ToString() => Address.ToString();
}

public sealed class ClusterClientHost(IHost host) : ClusterMember(host)
{
    public ClusterClient Client { get; } = host.Services.GetRequiredService<ClusterClient>();
}

/// <summary>
/// An oracle whose <see cref="RefreshAsync"/> reads a stand-in for the membership table (<see cref="Table"/>), for
/// tests of what a caller does after it learns its view is stale.
/// </summary>
public sealed class TableMembershipOracle(MembershipView view) : IMembershipOracle
{
    private MembershipView _view = view;
    private int _refreshes;

    public SiloAddress? LocalSilo => null;

    public MembershipView CurrentView => Volatile.Read(ref _view);

    /// <summary>What a refresh reads.</summary>
    public MembershipView Table { get; set; } = view;

    public int Refreshes => Volatile.Read(ref _refreshes);

    public event Action<MembershipView>? ViewChanged;

    public void Publish(MembershipView view)
    {
        Volatile.Write(ref _view, view);
        ViewChanged?.Invoke(view);
    }

    public Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _refreshes);
        if (Table.Version > CurrentView.Version)
        {
            Publish(Table);
        }

        return Task.CompletedTask;
    }
}
