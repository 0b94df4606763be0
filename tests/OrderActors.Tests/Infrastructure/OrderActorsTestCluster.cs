using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrderActors.Grains;
using OrderActors.Grains.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// An Orleans TestingHost cluster of one silo configured as production configures it
/// (<see cref="OrderActorsSiloBuilderExtensions.AddOrderActors"/>) on a SQLite file. Tests call the grains through
/// the cluster's client, so every call and every exception is serialized as it is between processes.
/// </summary>
public sealed class OrderActorsTestCluster : IAsyncDisposable
{
    /// <summary>The service id of every test cluster: state and reminders are keyed by it, so a restart finds them.</summary>
    public const string ServiceId = "orderactors-tests";

    /// <summary>Orleans has no deadlock detection: a call that waits on a cycle fails after this long.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly InProcessTestCluster _cluster;
    private readonly bool _ownsDatabase;
    private bool _stopped;

    private OrderActorsTestCluster(InProcessTestCluster cluster, TestDatabase database, bool ownsDatabase)
    {
        _cluster = cluster;
        Database = database;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The cluster's client.</summary>
    public IGrainFactory Grains => _cluster.Client;

    /// <summary>The database the silo keeps state, events and reminders in.</summary>
    public TestDatabase Database { get; }

    /// <summary>The services of the silo.</summary>
    public IServiceProvider SiloServices => _cluster.Silos[0].SiloHost.Services;

    /// <summary>Starts a cluster.</summary>
    /// <param name="database">The database; a fresh one (deleted with the cluster) if null. Pass one to restart on it.</param>
    /// <param name="time">
    /// A clock the test drives, e.g. a <see cref="FakeTimeProvider"/>: the domain's clock and grain timers follow it;
    /// Orleans' background loops (messaging, membership, activation collection, reminders) stay on real time. Orleans
    /// runs the streams' pulling agents on grain timers, so on a fake clock events reach stream consumers (projections,
    /// the webhook dispatcher) only while the test advances it: see <see cref="AdvanceUntilAsync"/>.
    /// </param>
    /// <param name="settings">Configuration over the defaults, e.g. <c>OrderActors:Orders:ReservationTimeout</c>.</param>
    /// <param name="services">Services of the silo registered before the domain's defaults, which only fill what is missing.</param>
    /// <param name="silo">Anything else to configure on the silo, after <see cref="OrderActorsSiloBuilderExtensions.AddOrderActors"/>.</param>
    public static async Task<OrderActorsTestCluster> StartAsync(
        TestDatabase? database = null,
        TimeProvider? time = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        Action<ISiloBuilder>? silo = null)
    {
        var ownsDatabase = database is null;
        database ??= new TestDatabase();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OrderActors:Storage:Provider"] = "Sqlite",
                ["OrderActors:Storage:ConnectionString"] = database.ConnectionString,
                // TestingHost replaces the endpoints and the membership (in-memory transport); the ids match its own.
                ["OrderActors:Cluster:ServiceId"] = ServiceId,
                ["OrderActors:Cluster:SiloPort"] = "0",
                ["OrderActors:Cluster:GatewayPort"] = "0",
                ["OrderActors:Silo:CallTimeout"] = CallTimeout.ToString(),
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, siloBuilder) =>
        {
            services?.Invoke(siloBuilder.Services);
            if (time is not null)
            {
                // The last registration wins over Orleans' and the domain's TimeProvider.System. Grain timers follow it
                // (TimeProviderNames.Grains, which also drives the streams' pulling agents); every other area of the
                // runtime is pinned to real time.
                siloBuilder.Services.AddSingleton(time);
                siloBuilder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            }

            siloBuilder.AddOrderActors(configuration);

            // A type without a codec fails the silo at start, not its first call.
            siloBuilder.Services.Configure<TypeManifestOptions>(o => o.EnableConfigurationAnalysis = true);

            // Reminders tick on real time: let the tests' short timeouts give them short periods.
            siloBuilder.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo?.Invoke(siloBuilder);
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout));

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            if (ownsDatabase)
            {
                database.Dispose();
            }

            throw;
        }

        return new OrderActorsTestCluster(cluster, database, ownsDatabase);
    }

    /// <summary>
    /// Writes evented state (orders, inventory, shipments) straight into the database, as a process that died mid-way
    /// left it. Only for a grain that has not been activated yet: an activation would hold an older version.
    /// </summary>
    public Task WriteEventedStateAsync<TState>(string grainType, string key, string stateName, TState state)
    {
        var payload = SiloServices.GetRequiredService<IGrainStorageSerializer>().Serialize(state).ToArray();
        return Database.ExecuteAsync(
            "INSERT INTO orderactors_grain_state (grain_type, grain_key, state_name, version, payload) VALUES (@type, @key, @name, 1, @payload)",
            ("@type", grainType), ("@key", key), ("@name", stateName), ("@payload", payload));
    }

    /// <summary>
    /// Advances a fake clock one stream pull period at a time, letting the pulling agents (grain timers) hand events to
    /// their consumers, until <paramref name="condition"/> holds; fails with <paramref name="what"/> after 10 s of real time.
    /// Only advance while no timer the test is about is pending: it moves the grains' clock as well.
    /// </summary>
    public async Task AdvanceUntilAsync(FakeTimeProvider time, Func<Task<bool>> condition, string what)
    {
        var step = SiloServices.GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(OrderActorsStorage.EventLog).GetQueueMsgsTimerPeriod;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out advancing the clock until {what}.");
            }

            time.Advance(step);
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the silo gracefully (grains deactivate, reminders stay in the database); the database is kept.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDatabase)
        {
            Database.Dispose();
        }
    }
}

/// <summary>One cluster shared by the grain tests of a collection; every test uses its own SKUs and order ids.</summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    public OrderActorsTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Grains;

    public async Task InitializeAsync() => Cluster = await OrderActorsTestCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "shared cluster";
}
