using System.Reflection;
using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime;

/// <summary>Where a subscription stands.</summary>
public enum SubscriptionState
{
    /// <summary>Delivering, or caught up and waiting for events.</summary>
    Running,

    /// <summary>The consumer failed; delivery is retried with back-off.</summary>
    Retrying,

    /// <summary>One event failed every attempt: delivery waits at it until an admin skips or retries it.</summary>
    Parked,
}

/// <summary>A subscription as admins see it: implicit (a consumer grain class) or explicit (a grain subscribed to one stream).</summary>
/// <param name="Name">The consumer's grain type; for an explicit subscription <c>{grain type}:{grain key}@{namespace}:{stream key}</c>.</param>
/// <param name="Namespaces">The namespaces it reads.</param>
/// <param name="Checkpoint">The last position the consumer applied; for an explicit subscription, the last sequence of its stream.</param>
/// <param name="State">Running, retrying or parked.</param>
/// <param name="Attempts">Failed attempts in a row.</param>
/// <param name="LastError">The last failure.</param>
/// <param name="ParkedPosition">The poison event's position, when parked.</param>
/// <param name="ParkedType">The poison event's type, when parked.</param>
public sealed record SubscriptionStatus(
    string Name, IReadOnlyList<string> Namespaces, long Checkpoint, SubscriptionState State, int Attempts, string? LastError, long? ParkedPosition, string? ParkedType)
{
    /// <summary>The stream of an explicit subscription (<c>namespace/key</c>); null for an implicit one.</summary>
    public string? Stream { get; init; }

    /// <summary>The consumer grain of an explicit subscription (<c>type/key</c>); null for an implicit one.</summary>
    public string? Consumer { get; init; }

    /// <summary>The poison event's sequence on its stream, when an explicit subscription is parked.</summary>
    public long? ParkedSequence { get; init; }
}

/// <summary>Admin access to the silo's stream subscriptions, implicit and explicit.</summary>
public interface IStreamSubscriptions
{
    /// <summary>Every subscription.</summary>
    IReadOnlyList<SubscriptionStatus> List();

    /// <summary>Skips the event a parked subscription waits at; false if it is not parked.</summary>
    Task<bool> SkipAsync(string name, string reason, CancellationToken cancellationToken = default);

    /// <summary>Retries a parked or retrying subscription now; false if there is no such subscription.</summary>
    bool Retry(string name);

    /// <summary>
    /// Resets the consumer and rebuilds it from the beginning of the streams; false if there is no such subscription.
    /// Only implicit subscriptions (projections) can be reset.
    /// </summary>
    Task<bool> ResetAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// Runs one delivery loop per consumer grain class marked <see cref="StreamSubscriptionAttribute"/>: it reads the
/// global feed after the consumer's checkpoint and hands the events of its namespaces over in order. Each loop is
/// on its own, so a failing consumer delays only itself. A batch that fails is retried one event at a time with
/// growing delays; an event that fails <see cref="MaxAttempts"/> times parks the subscription until an admin acts.
/// In a cluster (an <see cref="IMembershipOracle"/> is registered) a loop runs only on the silo that owns its consumer
/// grain in the current view, and moves with it on a view change. Two loops may overlap for a moment then; the
/// consumer's checkpoint (stored with its state) makes it apply each event once all the same.
/// Explicit subscriptions (<see cref="ExplicitSubscriptions"/>) start and stop with these and share the admin surface.
/// </summary>
internal sealed class SubscriptionManager(
    IStreamReader reader, RuntimeClient runtime, GrainTypeRegistry types, ExplicitSubscriptions explicitSubscriptions,
    Microsoft.Extensions.Options.IOptions<Hosting.SiloOptions> options, ILogger<SubscriptionManager> logger,
    IMembershipOracle? oracle = null)
    : IStreamSubscriptions, IAsyncDisposable
{
    public const int MaxAttempts = 5;
    private const int BatchSize = 256;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Pump> _pumps = [];
    private int _stopped;

    private IStreamReader Reader => reader;

    private ILogger Logger => logger;

    public void Start()
    {
        if (!options.Value.RunStreamSubscriptions)
        {
            logger.LogInformation("Stream subscriptions are off on this silo (OrderActors:Silo:RunStreamSubscriptions).");
            return;
        }

        foreach (var grainClass in types.Classes)
        {
            if (grainClass.ClassType.GetCustomAttribute<StreamSubscriptionAttribute>() is not { } subscription)
            {
                continue;
            }

            if (!typeof(IStreamConsumer).IsAssignableFrom(grainClass.ClassType))
            {
                throw new InvalidOperationException($"{grainClass.ClassType.Name} has [StreamSubscription] but does not implement IStreamConsumer.");
            }

            var consumerId = new GrainId(grainClass.TypeName, StreamSubscriptionAttribute.ConsumerKey);
            var consumer = (IStreamConsumer)runtime.CreateReference(typeof(IStreamConsumer), consumerId);
            var pump = new Pump(this, grainClass.TypeName, subscription.Namespaces.ToHashSet(StringComparer.Ordinal), consumer, consumerId);
            _pumps.Add(pump);
            if (oracle is null)
            {
                pump.Run = Task.Run(() => pump.RunAsync(_stopping.Token));
            }
        }

        if (oracle is not null)
        {
            oracle.ViewChanged += OnViewChanged;
            OnViewChanged(oracle.CurrentView);
        }

        explicitSubscriptions.Start();
    }

    // --- cluster (membership): run each loop on the owner of its consumer grain ---

    /// <summary>The subscriptions whose loop runs on this silo.</summary>
    internal IReadOnlyList<string> RunningHere()
    {
        lock (_pumps)
        {
            return _pumps.Where(p => oracle is null || p.Loop is not null).Select(p => p.Name).ToArray();
        }
    }

    private void OnViewChanged(MembershipView view)
    {
        lock (_pumps)
        {
            if (Volatile.Read(ref _stopped) == 1)
            {
                return;
            }

            foreach (var pump in _pumps)
            {
                var owned = oracle!.LocalSilo is { } self && RendezvousPlacement.PickOwner(pump.ConsumerId, view) == self;
                if (owned && pump.Loop is null)
                {
                    var loop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    var previous = pump.Run ?? Task.CompletedTask;
                    pump.Loop = loop;
                    pump.Run = Task.Run(async () =>
                    {
                        try
                        {
                            await previous; // a loop that lost and regained the grain finishes its batch first
                        }
                        catch (OperationCanceledException)
                        {
                        }

                        try
                        {
                            await pump.RunAsync(loop.Token);
                        }
                        finally
                        {
                            // Cancel runs under this lock only while the loop is current: clearing it first makes Dispose safe.
                            lock (_pumps)
                            {
                                if (pump.Loop == loop)
                                {
                                    pump.Loop = null;
                                }
                            }

                            loop.Dispose();
                        }
                    });
                    logger.LogInformation("Subscription {Subscription} runs on this silo ({View}).", pump.Name, view);
                }
                else if (!owned && pump.Loop is { } running)
                {
                    pump.Loop = null;
                    running.Cancel();
                    logger.LogInformation("Subscription {Subscription} moved off this silo ({View}).", pump.Name, view);
                }
            }
        }
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (oracle is not null)
        {
            oracle.ViewChanged -= OnViewChanged;
        }

        await _stopping.CancelAsync();
        Task[] runs;
        lock (_pumps)
        {
            runs = _pumps.Select(p => p.Run ?? Task.CompletedTask).ToArray();
        }

        await Task.WhenAll(runs);
        await explicitSubscriptions.StopAsync();
    }

    public IReadOnlyList<SubscriptionStatus> List() => [.. _pumps.Select(p => p.Status), .. explicitSubscriptions.List()];

    public async Task<bool> SkipAsync(string name, string reason, CancellationToken cancellationToken = default)
    {
        var pump = Find(name);
        if (pump is null)
        {
            return await explicitSubscriptions.SkipAsync(name, reason);
        }

        if (pump.Status is not { State: SubscriptionState.Parked, ParkedPosition: { } position })
        {
            return false;
        }

        await pump.Consumer.SkipAsync(position, reason);
        pump.Resume();
        return true;
    }

    public bool Retry(string name)
    {
        var pump = Find(name);
        pump?.Resume();
        return pump is not null || explicitSubscriptions.Retry(name);
    }

    public async Task<bool> ResetAsync(string name, CancellationToken cancellationToken = default)
    {
        var pump = Find(name);
        if (pump is null)
        {
            return false;
        }

        await pump.Consumer.ResetAsync();
        pump.Restart();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
    }

    private Pump? Find(string name) => _pumps.FirstOrDefault(p => p.Name == name);

    private sealed class Pump(SubscriptionManager owner, string name, IReadOnlySet<string> namespaces, IStreamConsumer consumer, GrainId consumerId)
    {
        private readonly object _lock = new();
        private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _restart;

        public string Name => name;

        public IStreamConsumer Consumer => consumer;

        public Task? Run { get; set; }

        /// <summary>The grain whose owner runs this loop in a cluster.</summary>
        public GrainId ConsumerId => consumerId;

        /// <summary>Cluster: cancels this silo's loop when the consumer grain moves away; null while it runs elsewhere.</summary>
        public CancellationTokenSource? Loop { get; set; }

        public SubscriptionStatus Status { get; private set; } = new(name, [.. namespaces], 0, SubscriptionState.Running, 0, null, null, null);

        public void Resume()
        {
            lock (_lock)
            {
                _wake.TrySetResult();
            }
        }

        public void Restart()
        {
            _restart = true;
            Resume();
        }

        public async Task RunAsync(CancellationToken stopping)
        {
            long cursor = -1;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    if (cursor < 0 || _restart)
                    {
                        _restart = false;
                        cursor = await consumer.GetCheckpointAsync();
                        Status = Status with { Checkpoint = cursor };
                    }

                    var batch = await owner.Reader.ReadAllAsync(cursor, BatchSize, stopping);
                    if (batch.Count == 0)
                    {
                        await WaitAsync(IdlePoll, stopping);
                        continue;
                    }

                    var mine = batch.Where(e => namespaces.Contains(e.Stream.Namespace)).ToArray();
                    cursor = await DeliverAsync(mine, cursor, batch[^1].Position, stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Reading the feed or the checkpoint failed (storage down): back off and start again from the checkpoint.
                    owner.Logger.LogWarning(ex, "Subscription {Subscription} could not read; retrying.", name);
                    cursor = -1;
                    await WaitAsync(MaxBackoff / 10, stopping);
                }
            }
        }

        // Delivers a batch; on failure, delivers its events one at a time so that only a poison event is held back.
        private async Task<long> DeliverAsync(StreamEvent[] events, long after, long upTo, CancellationToken stopping)
        {
            try
            {
                var checkpoint = await consumer.ApplyAsync(events, after, upTo);
                Status = Status with { Checkpoint = checkpoint, State = SubscriptionState.Running, Attempts = 0, LastError = null, ParkedPosition = null, ParkedType = null };
                return checkpoint;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                owner.Logger.LogWarning(ex, "Subscription {Subscription} failed on a batch; delivering one event at a time.", name);
            }

            var cursor = after;
            foreach (var streamEvent in events)
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var reached = await consumer.ApplyAsync([streamEvent], cursor, streamEvent.Position);
                        if (reached < streamEvent.Position)
                        {
                            return reached; // the consumer was reset meanwhile: read again from where it stands
                        }

                        cursor = reached;
                        Status = Status with { Checkpoint = cursor, State = SubscriptionState.Running, Attempts = 0, LastError = null, ParkedPosition = null, ParkedType = null };
                        break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        var parked = attempt >= MaxAttempts;
                        Status = Status with
                        {
                            State = parked ? SubscriptionState.Parked : SubscriptionState.Retrying,
                            Attempts = attempt,
                            LastError = $"{ex.GetType().Name}: {ex.Message}",
                            ParkedPosition = parked ? streamEvent.Position : null,
                            ParkedType = parked ? streamEvent.Type : null,
                        };
                        if (parked)
                        {
                            owner.Logger.LogError(ex, "Subscription {Subscription} parked at event {Position} ({Type}).", name, streamEvent.Position, streamEvent.Type);
                            await WaitAsync(Timeout.InfiniteTimeSpan, stopping); // until an admin skips or retries
                            return -1; // re-read the checkpoint: a skip moved it
                        }

                        await WaitAsync(Backoff(attempt), stopping);
                        if (_restart)
                        {
                            return -1;
                        }
                    }
                }
            }

            return Math.Max(cursor, upTo);
        }

        private static TimeSpan Backoff(int attempt)
            => TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, attempt - 1)));

        private async Task WaitAsync(TimeSpan delay, CancellationToken stopping)
        {
            Task wake;
            lock (_lock)
            {
                if (_wake.Task.IsCompleted)
                {
                    // A resume came while we were busy: act on it now instead of waiting.
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return;
                }

                wake = _wake.Task;
            }

            await Task.WhenAny(wake, Task.Delay(delay, stopping));
            stopping.ThrowIfCancellationRequested();
        }
    }
}
