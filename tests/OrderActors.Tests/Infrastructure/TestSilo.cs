using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// An in-process silo for grain tests: the domain grains plus the test grains of this assembly, every local
/// call serialized as if it crossed a process boundary.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host)
    {
        _host = host;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Silo = host.Services.GetRequiredService<Silo>();
    }

    public IGrainFactory Grains { get; }

    public Silo Silo { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<TestSilo> StartAsync(
        string provider = "Memory",
        string? connectionString = null,
        TimeProvider? time = null,
        Action<SiloOptions>? configure = null,
        IDictionary<string, string?>? settings = null,
        Func<IGrainStorage, IGrainStorage>? decorateStorage = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderActors:Storage:Provider"] = provider,
            ["OrderActors:Storage:ConnectionString"] = connectionString,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        if (time is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(time));
        }

        services?.Invoke(builder.Services); // before the domain's defaults, which only fill what is missing
        builder.Services.AddOrderActorsDomain(builder.Configuration);
        builder.Services.AddOrderActorsSilo(builder.Configuration, silo =>
        {
            silo.AddDomainGrains();
            silo.GrainAssemblies.Add(typeof(TestSilo).Assembly);
            silo.SerializeLocalCalls = true;
            configure?.Invoke(silo);
        });
        if (decorateStorage is not null)
        {
            var registered = builder.Services.Last(d => d.ServiceType == typeof(IGrainStorage));
            builder.Services.Remove(registered);
            builder.Services.AddSingleton(sp => decorateStorage((IGrainStorage)registered.ImplementationFactory!(sp)));
        }

        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host);
    }

    /// <summary>Stops the silo gracefully (grains deactivate).</summary>
    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>One silo shared by the grain tests of a collection (memory storage).</summary>
public sealed class SharedSiloFixture : IAsyncLifetime
{
    public TestSilo Silo { get; private set; } = null!;

    public IGrainFactory Grains => Silo.Grains;

    public async Task InitializeAsync() => Silo = await TestSilo.StartAsync(configure: o => o.CallTimeout = TimeSpan.FromSeconds(5));

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedSiloCollection : ICollectionFixture<SharedSiloFixture>
{
    public const string Name = "shared silo";
}
