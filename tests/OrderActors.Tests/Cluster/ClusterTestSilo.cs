using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Reminders;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// What several silos of one cluster share in these tests: grain storage and streams, the reminder table and the
/// membership table, all in memory. There is no transport yet: each silo calls grains in its own catalog.
/// </summary>
public sealed class SharedClusterStorage(TimeProvider time)
{
    public MemoryGrainStorage Storage { get; } = new();

    public MemoryReminderTable Reminders { get; } = new();

    public MemoryMembershipTable Membership { get; } = new(time);
}

/// <summary>Records, per silo, which reminder ticks reached which grain.</summary>
public sealed class TickLog(string silo)
{
    private readonly List<(string Grain, DateTimeOffset Tick)> _ticks = [];

    public string Silo => silo;

    public void Add(string grain, DateTimeOffset tick)
    {
        lock (_ticks)
        {
            _ticks.Add((grain, tick));
        }
    }

    public int Count(string grain)
    {
        lock (_ticks)
        {
            return _ticks.Count(t => t.Grain == grain);
        }
    }
}

public interface IClusterTickGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan due, TimeSpan period);

    /// <summary>Answers after the ticks queued before it (one call at a time per activation).</summary>
    Task PingAsync();
}

/// <summary>Logs every reminder tick in the log of the silo it runs on.</summary>
public sealed class ClusterTickGrain(TickLog log) : Grain, IClusterTickGrain, IRemindable
{
    public Task StartAsync(TimeSpan due, TimeSpan period) => RegisterOrUpdateReminderAsync("tick", due, period);

    public Task PingAsync() => Task.CompletedTask;

    public Task ReceiveReminderAsync(string reminderName, TickStatus status)
    {
        log.Add(GetPrimaryKeyString(), status.CurrentTickTime);
        return Task.CompletedTask;
    }
}

/// <summary>One silo of an in-process cluster over <see cref="SharedClusterStorage"/>, with the oracle the test gives it.</summary>
public sealed class ClusterTestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterTestSilo(IHost host, TickLog ticks)
    {
        _host = host;
        Ticks = ticks;
    }

    public TickLog Ticks { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    internal ReminderService Reminders => _host.Services.GetRequiredService<ReminderService>();

    internal GrainId GrainId<TGrain>(string key) => new(_host.Services.GetRequiredService<GrainTypeRegistry>().Classes.Single(c => c.ClassType == typeof(TGrain)).TypeName, key);

    internal SubscriptionManager Subscriptions => _host.Services.GetRequiredService<SubscriptionManager>();

    /// <param name="oracle">The silo's oracle, or null for <see cref="MembershipService"/> on the shared table (the real wiring).</param>
    public static async Task<ClusterTestSilo> StartAsync(
        string name, SharedClusterStorage shared, TimeProvider time, IMembershipOracle? oracle, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OrderActors:Storage:Provider"] = "Memory" });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.Replace(ServiceDescriptor.Singleton(time));
        builder.Services.AddOrderActorsDomain(builder.Configuration);
        builder.Services.AddOrderActorsSilo(builder.Configuration, silo =>
        {
            silo.AddDomainGrains();
            silo.GrainAssemblies.Add(typeof(ClusterTestSilo).Assembly);
            silo.SerializeLocalCalls = true;
            silo.CallTimeout = TimeSpan.FromSeconds(5);
        });

        // Later registrations win: every silo uses the shared tables.
        builder.Services.AddSingleton<IGrainStorage>(shared.Storage);
        builder.Services.AddSingleton<IStorageInitializer>(shared.Storage);
        builder.Services.AddSingleton<IStreamReader>(shared.Storage);
        builder.Services.AddSingleton<IReminderTable>(shared.Reminders);
        var ticks = new TickLog(name);
        builder.Services.AddSingleton(ticks);
        if (oracle is null)
        {
            builder.Services.AddSingleton<IMembershipTable>(shared.Membership);
            builder.Services.AddPostgresMembership();
        }
        else
        {
            builder.Services.AddSingleton(oracle);
        }

        var host = builder.Build();
        await host.StartAsync();
        return new ClusterTestSilo(host, ticks);
    }

    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
