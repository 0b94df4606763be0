using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Reminders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Hosting;

/// <summary>The silo's lifetime: creates the schema, starts the catalog and reminders, and on stop deactivates every grain.</summary>
public sealed class Silo : IHostedService
{
    private readonly IStorageInitializer _storage;
    private readonly RuntimeClient _runtime;
    private readonly Catalog _catalog;
    private readonly ReminderService _reminders;
    private readonly SubscriptionManager _subscriptions;
    private readonly ILogger<Silo> _logger;
    private readonly MembershipService? _membership; // cluster mode only
    private readonly SiloTransport? _transport; // cluster mode only

    internal Silo(
        IStorageInitializer storage, RuntimeClient runtime, Catalog catalog, ReminderService reminders, SubscriptionManager subscriptions, ILogger<Silo> logger,
        MembershipService? membership = null, SiloTransport? transport = null)
    {
        _membership = membership;
        _transport = transport;
        _storage = storage;
        _runtime = runtime;
        _catalog = catalog;
        _reminders = reminders;
        _subscriptions = subscriptions;
        _logger = logger;
    }

    /// <summary>True once the silo has started and accepts calls.</summary>
    public bool IsReady { get; private set; }

    /// <summary>
    /// Where this silo listens for silo and client connections (the port chosen if 0 was configured); null when
    /// standalone, and until <see cref="StartAsync"/> has bound the listener, which it does before it resolves the
    /// <see cref="Membership.IMembershipOracle"/>.
    /// </summary>
    public Membership.SiloAddress? Address => _transport?.Address;

    internal SiloTransport? Transport => _transport;

    /// <summary>Activations currently in memory.</summary>
    public int ActivationCount => _catalog.Count;

    /// <summary>Checks storage and, in a cluster, that the silo is an active member; the readiness probe calls it.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
        => IsReady && (_membership?.IsJoined ?? true) && await _storage.IsHealthyAsync(cancellationToken);

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _storage.InitializeAsync(cancellationToken);
        // Cluster mode: bind and listen before the catalog serves calls; calls then go through the router.
        var target = _transport is null ? _catalog : await _transport.StartAsync(cancellationToken);
        _runtime.Attach(target, _reminders);
        _catalog.Start();
        await _reminders.StartAsync(cancellationToken);
        _subscriptions.Start();
        IsReady = true;
        _logger.LogInformation("Silo started.");
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        IsReady = false;
        if (_transport is not null)
        {
            await _transport.StopAcceptingAsync(cancellationToken); // then finish the requests in progress
        }

        _reminders.Stop();
        await _subscriptions.StopAsync();
        try
        {
            await _catalog.StopAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Silo stopped before every activation finished deactivating.");
        }

        if (_transport is not null)
        {
            await _transport.CloseAsync();
        }

        _logger.LogInformation("Silo stopped.");
    }
}
