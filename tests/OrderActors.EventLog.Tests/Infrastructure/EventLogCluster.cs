using Microsoft.Data.Sqlite;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using Orleans.Configuration;
using Orleans.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Configuration;
using Orleans.TestingHost;

namespace OrderActors.EventLog.Tests.Infrastructure;

/// <summary>A database for one test class: a fresh PostgreSQL database or a fresh SQLite file.</summary>
public sealed record TestDatabase(string Invariant, string ConnectionString)
{
    public static async Task<TestDatabase> PostgreSqlAsync(OrderActors.Tests.Infrastructure.PostgresServer server, string? icuLocale = null)
        => new(AdoNetInvariants.PostgreSql, await server.CreateDatabaseAsync(icuLocale));

    public static TestDatabase Sqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("oa-eventlog-").FullName, "test.db");
        return new(AdoNetInvariants.Sqlite, new SqliteConnectionStringBuilder { DataSource = file }.ConnectionString);
    }

    public bool IsPostgreSql => Invariant == AdoNetInvariants.PostgreSql;
}

/// <summary>Starts TestingHost clusters whose silos keep evented state and read streams from one test database.</summary>
public static class EventLogCluster
{
    public const int QueueCount = 4;

    public static async Task<InProcessTestCluster> StartAsync(TestDatabase database, short silos = 1)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddEventLogStorage(TestNames.Log, Configure(database));
            silo.AddEventLogGrainStorage(TestNames.TableStore, TestNames.Log);
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.AddEventLogStreams(TestNames.Log, Configure(database), streams =>
                streams.ConfigurePullingAgent(o => o.Configure(p => p.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(50))));
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(20));
            // A type without a codec fails the silo at start, not its first call.
            silo.Services.Configure<TypeManifestOptions>(o => o.EnableConfigurationAnalysis = true);
        });
        builder.ConfigureClient(client => client.AddEventLogStreams(TestNames.Log, Configure(database)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static Action<EventLogOptions> Configure(TestDatabase database) => o =>
    {
        o.Invariant = database.Invariant;
        o.ConnectionString = database.ConnectionString;
        o.QueueCount = QueueCount;
    };
}
