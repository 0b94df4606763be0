using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Benchmarks;

/// <summary>
/// An in-process silo for benchmarks: the domain grains plus the benchmark grains of this assembly, no logging.
/// Unlike the test silo, local calls are not serialized unless asked for.
/// </summary>
internal sealed class BenchSilo : IDisposable
{
    private readonly IHost _host;

    private BenchSilo(IHost host)
    {
        _host = host;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Silo = host.Services.GetRequiredService<Silo>();
    }

    public IGrainFactory Grains { get; }

    public Silo Silo { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a silo; blocks, because BenchmarkDotNet setup methods are synchronous here.</summary>
    /// <param name="provider">Memory or Sqlite.</param>
    /// <param name="connectionString">For Sqlite: the database file.</param>
    /// <param name="configure">Overrides silo options.</param>
    /// <param name="settings">More configuration (e.g. <c>OrderActors:Cluster:*</c>).</param>
    /// <param name="services">Registers more services (e.g. a membership oracle).</param>
    public static BenchSilo Start(
        string provider, string? connectionString = null, Action<SiloOptions>? configure = null,
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderActors:Storage:Provider"] = provider,
            ["OrderActors:Storage:ConnectionString"] = connectionString,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        services?.Invoke(builder.Services);
        builder.Services.AddOrderActorsDomain(builder.Configuration);
        builder.Services.AddOrderActorsSilo(builder.Configuration, silo =>
        {
            silo.AddDomainGrains();
            silo.RunStreamSubscriptions = false; // measure the order path alone; projections would run beside it in a reporting silo
            silo.GrainAssemblies.Add(typeof(BenchSilo).Assembly);
            silo.SerializeLocalCalls = false;
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();
        return new BenchSilo(host);
    }

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}
