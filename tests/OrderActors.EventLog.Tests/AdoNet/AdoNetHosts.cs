using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using OrderActors.EventLog.Sql;
using Xunit.Abstractions;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>One database the ADO.NET tests run Orleans' providers against, with our schema applied.</summary>
public sealed record AdoNetDatabase(string Invariant, string ConnectionString)
{
    public bool IsPostgreSql => Invariant == AdoNetInvariants.PostgreSql;

    public static async Task<AdoNetDatabase> PostgreSqlAsync(OrderActors.Tests.Infrastructure.PostgresServer server)
    {
        var database = new AdoNetDatabase(AdoNetInvariants.PostgreSql, await server.CreateDatabaseAsync());
        await OrderActorsSchema.ApplyAsync(database.Invariant, database.ConnectionString);
        return database;
    }

    public static async Task<AdoNetDatabase> SqliteAsync(SqliteFile file)
    {
        var database = new AdoNetDatabase(AdoNetInvariants.Sqlite, file.ConnectionString);
        await OrderActorsSchema.ApplyAsync(database.Invariant, database.ConnectionString);
        return database;
    }
}

/// <summary>A SQLite database in a temporary file, deleted with its WAL files on dispose.</summary>
public sealed class SqliteFile : IDisposable
{
    public SqliteFile()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"oa-adonet-{Guid.NewGuid():N}.db");
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // A temp file left behind is untidy, not a failure.
            }
        }
    }
}

/// <summary>Silos and clients on plain generic hosts, on free loopback ports, logging warnings to the test output.</summary>
public static class AdoNetHosts
{
    /// <summary>Well below Orleans' 30 s defaults: a hang fails the test instead of stalling the run.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public static async Task<IHost> StartSiloAsync(
        ITestOutputHelper output,
        string serviceId,
        Action<ISiloBuilder> configure,
        string? clusterId = null,
        bool localhostClustering = true)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        AddLogging(builder, output);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        var siloPort = FreeLoopbackPort();
        var gatewayPort = FreeLoopbackPort();
        builder.UseOrleans(silo =>
        {
            if (localhostClustering)
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: clusterId ?? "c-" + Guid.NewGuid().ToString("N"));
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = serviceId;
                    o.ClusterId = clusterId ?? throw new ArgumentNullException(nameof(clusterId));
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            }

            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            configure(silo);
        });

        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public static async Task<IHost> StartClientAsync(ITestOutputHelper output, Action<IClientBuilder> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        AddLogging(builder, output);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            configure(client);
        });

        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Stops a host (gracefully, within a bound) and disposes it.</summary>
    public static async Task StopAsync(IHost? host)
    {
        if (host is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StopAsync(timeout.Token);
        }
        finally
        {
            host.Dispose();
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AddLogging(HostApplicationBuilder builder, ITestOutputHelper output)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
    }

    /// <summary>Orleans' warnings and errors in the output of the test that caused them.</summary>
    private sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ITestOutputHelper output, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                try
                {
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
                }
                catch (InvalidOperationException)
                {
                    // The test has finished; its output is closed.
                }
            }
        }
    }
}
