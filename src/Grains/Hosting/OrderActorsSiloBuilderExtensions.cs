using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;

namespace OrderActors.Grains.Hosting;

/// <summary>Configures an Orleans silo to run OrderActors: storage, the event log, reminders, clustering, the domain.</summary>
public static class OrderActorsSiloBuilderExtensions
{
    /// <summary>The Data Protection application name of every OrderActors process; changing it makes stored webhook secrets unreadable.</summary>
    public const string DataProtectionApplicationName = "OrderActors";

    /// <summary>
    /// Adds everything a silo of OrderActors needs, from configuration: evented state and the event-log streams
    /// (<see cref="OrderActorsStorage.EventLog"/>), Orleans' ADO.NET grain storage (<see cref="OrderActorsStorage.State"/>)
    /// and reminders on the same database, the schema, clustering (localhost, or ADO.NET on PostgreSQL when
    /// <c>OrderActors:Cluster:Enabled</c>), the tuned timeouts, the domain's services, and the Data Protection key ring
    /// (for webhook secrets) on the same database.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configuration">The host's configuration.</param>
    public static ISiloBuilder AddOrderActors(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageSettings.SectionName).Get<StorageSettings>() ?? new StorageSettings();
        var cluster = configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new ClusterSettings();
        var settings = configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings();
        var invariant = storage.Invariant;
        var connectionString = storage.IsPostgreSql
            ? PostgreSqlConnections.Tune(storage.ConnectionString) // Orleans' providers open connections as the event log does
            : storage.ConnectionString;

        silo.UseOrderActorsSchema(invariant, connectionString);
        silo.AddEventLogStorage(OrderActorsStorage.EventLog, EventLog(storage));
        silo.AddEventLogStreams(OrderActorsStorage.EventLog, EventLog(storage), streams =>
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(100);

                // Each order, shipment and SKU is a stream of its own, busy for seconds and then quiet: a pulling agent
                // forgets a stream after this period (Orleans' default is 30 minutes, which at volume keeps hundreds of
                // thousands of idle streams that every queue read scans); a stream that wakes up is registered again.
                o.StreamInactivityPeriod = TimeSpan.FromMinutes(1);
            })));
        silo.Services.Configure<EventLogJsonOptions>(o => DomainGrains.ConfigureDomainJson(o.SerializerOptions));
        silo.AddEventLogGrainStorage(OrderActorsStorage.Projections, OrderActorsStorage.EventLog);
        if (storage.IsPostgreSql)
        {
            silo.AddAdoNetGrainStorage(OrderActorsStorage.State, o => (o.Invariant, o.ConnectionString) = (invariant, connectionString));
        }
        else
        {
            // SQLite has one writer: state without events goes through the event log's storage, whose writes queue in
            // the process, rather than through a second set of connections that would wait on the file's lock.
            silo.AddEventLogGrainStorage(OrderActorsStorage.State, OrderActorsStorage.EventLog);

            // Microsoft.Data.Sqlite runs every command synchronously (an fsync blocks its thread): with the thread pool's
            // default minimum of one thread per core, a burst of writes starves Orleans' scheduler until the pool grows.
            ThreadPool.GetMinThreads(out var workers, out var completionPorts);
            ThreadPool.SetMinThreads(Math.Max(workers, 64), completionPorts);
        }

        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.Services.Configure<SystemTextJsonGrainStorageSerializerOptions>(o => DomainGrains.ConfigureDomainJson(o.JsonSerializerOptions));
        silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (invariant, connectionString));

        if (cluster.Enabled)
        {
            if (!storage.IsPostgreSql)
            {
                throw new InvalidOperationException("OrderActors:Cluster:Enabled needs OrderActors:Storage:Provider=PostgreSql: silos share their membership table and state there.");
            }

            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (invariant, connectionString));
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            silo.ConfigureEndpoints(cluster.AdvertisedHost, PortOrFree(cluster.SiloPort), cluster.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            // One process on its own: a free silo port and no gateway unless configured (the API calls in-process).
            var section = configuration.GetSection(ClusterSettings.SectionName);
            silo.UseLocalhostClustering(
                PortOrFree(section[nameof(ClusterSettings.SiloPort)] is null ? 0 : cluster.SiloPort),
                section[nameof(ClusterSettings.GatewayPort)] is null ? 0 : cluster.GatewayPort,
                serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }

        // A SIGKILLed silo is declared dead after about MissedProbesLimit × ProbeTimeout, and calls to its grains
        // then go to their new owners: with the defaults, within 10 s.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = cluster.ProbeTimeout;
            o.NumMissedProbesLimit = cluster.MissedProbesLimit;
            o.NumVotesForDeathDeclaration = cluster.VotesForDeath;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        });
        silo.Configure<SiloMessagingOptions>(o =>
        {
            o.ResponseTimeout = settings.CallTimeout;
            o.SystemResponseTimeout = settings.CallTimeout;
        });
        silo.Configure<GrainCollectionOptions>(o =>
        {
            (o.CollectionAge, o.CollectionQuantum) = (settings.CollectionAge, settings.CollectionQuantum);
            o.ClassSpecificCollectionAge[typeof(Orders.OrderGrain).FullName!] = settings.OrderCollectionAge;
            o.ClassSpecificCollectionAge[typeof(Shipments.ShipmentGrain).FullName!] = settings.OrderCollectionAge;
        });
        silo.Services.AddOrderActorsDomain(configuration);

        // Webhook secrets are encrypted with Data Protection: every process on the database shares its key ring, and the
        // application name (not each process's content root) isolates the payloads, so one silo reads what another wrote.
        silo.Services.AddDataProtection().SetApplicationName(DataProtectionApplicationName).PersistKeysToOrderActorsDatabase(invariant, connectionString);
        silo.AddActivityPropagation(); // one trace per request across HTTP, grain calls and storage
        silo.AddStartupTask((services, cancellationToken) =>
        {
            // In the background: a projection with a long log to catch up must not hold the silo's start.
            _ = WakeProjectionsAsync(services);
            return Task.CompletedTask;
        });
        return silo;
    }

    private static async Task WakeProjectionsAsync(IServiceProvider services)
    {
        try
        {
            await Reporting.Projections.WakeAsync(services.GetRequiredService<IGrainFactory>());
        }
        catch (Exception ex)
        {
            // Each projection also wakes with the next event of its namespaces; this only makes it sooner.
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OrderActorsSiloBuilderExtensions))
                .LogWarning(ex, "Waking the projections at start-up failed; they resume with the next event.");
        }
    }

    private static Action<EventLogOptions> EventLog(StorageSettings storage) => o =>
    {
        o.Invariant = storage.Invariant;
        o.ConnectionString = storage.ConnectionString;
        o.ApplySchema = false; // UseOrderActorsSchema applies it once for every provider
        o.WriteBatchSize = storage.WriteBatchSize;
        o.WriteConcurrency = storage.WriteConcurrency;
    };

    // Port 0 asks for a free port: Orleans needs the number itself to advertise it.
    private static int PortOrFree(int port)
    {
        if (port != 0)
        {
            return port;
        }

        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
