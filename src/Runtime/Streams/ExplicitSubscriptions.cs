using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime;

/// <summary>
/// Delivers the events of explicit subscriptions: a consumer grain (<see cref="IStreamSubscriber"/>) subscribed at
/// run time to one stream. Subscriptions are rows of <c>stream_subscriptions</c>; the consumer keeps its checkpoint
/// per stream in its own state, so it applies each event exactly once however often it is delivered.
/// </summary>
/// <remarks>
/// <para>
/// One loop per silo, however many subscriptions there are (thousands are expected: one per order, say). The loop
/// tails the global feed once and only uses it to learn which subscribed streams have new events; each such
/// subscription is then caught up by reading its own stream by sequence, after the sequence it was last known to
/// hold. Per-stream reads (rather than handing over the feed's events) keep each subscription independent: a new
/// subscription catches up on history, and one that failed or was parked resumes where it stands, without the
/// feed having to go back. Deliveries run concurrently up to <see cref="MaxConcurrentDeliveries"/>, one at a time
/// per subscription (so each stream arrives in order), and a failing subscription waits out its back-off off the
/// loop, so it never holds up another.
/// </para>
/// <para>
/// Per-stream reads only deliver a run of consecutive sequences: on PostgreSQL a later sequence can be visible
/// below the read horizon before an earlier one is, and a gap must never be skipped. After a restart every
/// subscription is read once from the sequence stored with its row (a hint written every few seconds, never ahead
/// of the consumer's checkpoint), so events appended while no silo ran are delivered without activating consumers
/// whose streams did not change. Rows added on other silos are picked up every <see cref="RefreshInterval"/>.
/// </para>
/// <para>
/// A batch that fails is retried one event at a time with doubling delays; an event that fails
/// <see cref="SubscriptionManager.MaxAttempts"/> times parks its subscription until an admin skips or retries it
/// (<see cref="IStreamSubscriptions"/>, where explicit subscriptions are listed as
/// <c>{grain type}:{grain key}@{namespace}:{stream key}</c> and their checkpoint is a stream sequence).
/// </para>
/// </remarks>
internal sealed class ExplicitSubscriptions(
    IStreamSubscriptionTable table, IStreamReader reader, RuntimeClient runtime, ILogger<ExplicitSubscriptions> logger, IMembershipOracle? oracle = null)
    : IAsyncDisposable
{
    /// <summary>Subscriptions delivered to at the same time, at most.</summary>
    public const int MaxConcurrentDeliveries = 16;

    private const int FeedBatch = 1024;
    private const int StreamBatch = 256;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly object _lock = new();
    private readonly Dictionary<string, Subscription> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<StreamId, List<Subscription>> _byStream = [];
    private readonly HashSet<Subscription> _due = []; // events may be waiting, or a retry is due
    private readonly HashSet<Task> _deliveries = [];
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _generation;
    private int _stopped;

    /// <summary>The last sequence of <paramref name="stream"/>, where a subscription from <see cref="StreamStart.End"/> starts.</summary>
    public Task<long> ReadLastSequenceAsync(StreamId stream, CancellationToken cancellationToken = default)
        => table.ReadLastSequenceAsync(stream, cancellationToken);

    /// <summary>Records that <paramref name="consumer"/> subscribed to <paramref name="stream"/>, holding <paramref name="from"/>.</summary>
    public async Task AddAsync(GrainId consumer, StreamId stream, long from, CancellationToken cancellationToken = default)
    {
        var entry = new StreamSubscriptionEntry(stream, consumer, from);
        await table.AddAsync(entry, cancellationToken);
        lock (_lock)
        {
            if (_loop is not null && !_byName.ContainsKey(NameOf(entry)))
            {
                MarkPending(Track(entry, ++_generation));
            }
        }

        Wake();
    }

    /// <summary>Removes the subscription of <paramref name="consumer"/> to <paramref name="stream"/>.</summary>
    public async Task RemoveAsync(GrainId consumer, StreamId stream, CancellationToken cancellationToken = default)
    {
        await table.RemoveAsync(stream, consumer, cancellationToken);
        lock (_lock)
        {
            if (_byName.TryGetValue(NameOf(new StreamSubscriptionEntry(stream, consumer, 0)), out var subscription))
            {
                Untrack(subscription);
            }
        }
    }

    /// <summary>Starts the delivery loop. <see cref="SubscriptionManager.Start"/> calls it, where the silo decides whether it runs subscriptions.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_loop is null && oracle is not null)
            {
                oracle.ViewChanged += OnViewChanged;
            }

            _loop ??= Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    // Subscriptions another silo owned were set aside still pending; those that moved here are delivered now.
    private void OnViewChanged(MembershipView view)
    {
        lock (_lock)
        {
            foreach (var subscription in _byName.Values.Where(s => s.Pending))
            {
                MarkPending(subscription);
            }
        }

        Wake();
    }

    /// <summary>Stops the loop, waits for the deliveries under way and stores how far each subscription got.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1 || _loop is null)
        {
            return;
        }

        if (oracle is not null)
        {
            oracle.ViewChanged -= OnViewChanged;
        }

        await _stopping.CancelAsync();
        await _loop;
        Task[] deliveries;
        lock (_lock)
        {
            deliveries = [.. _deliveries];
        }

        await Task.WhenAll(deliveries);
        try
        {
            await SaveCursorsAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not store the explicit subscriptions' delivered sequences at shutdown; they are read again from older ones.");
        }
    }

    /// <summary>Every explicit subscription this silo delivers, by name.</summary>
    public IReadOnlyList<SubscriptionStatus> List()
    {
        lock (_lock)
        {
            return _byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Status).ToArray();
        }
    }

    /// <summary>Skips the event a parked subscription waits at; false if there is no such subscription or it is not parked.</summary>
    public async Task<bool> SkipAsync(string name, string reason)
    {
        Subscription? subscription;
        long sequence;
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out subscription) || subscription.ParkedAt is not { } parked)
            {
                return false;
            }

            sequence = parked;
        }

        await Consumer(subscription).SkipStreamEventAsync(subscription.Stream, sequence, reason);
        lock (_lock)
        {
            subscription.Cursor = Math.Max(subscription.Cursor, sequence);
            Resume(subscription);
        }

        Wake();
        return true;
    }

    /// <summary>Retries a parked or retrying subscription now; false if there is no such subscription.</summary>
    public bool Retry(string name)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var subscription))
            {
                return false;
            }

            Resume(subscription);
        }

        Wake();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private static string NameOf(StreamSubscriptionEntry entry)
        => $"{entry.Consumer.Type}:{entry.Consumer.Key}@{entry.Stream.Namespace}:{entry.Stream.Key}";

    private IStreamSubscriber Consumer(Subscription subscription)
        => (IStreamSubscriber)runtime.CreateReference(typeof(IStreamSubscriber), subscription.Consumer);

    private async Task RunAsync(CancellationToken stopping)
    {
        long feed = -1;
        var refreshAt = DateTime.MinValue;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (feed < 0)
                {
                    // Where the feed stands first, then every subscription marked pending: whatever was appended
                    // before is found by its stream read, whatever comes after by the feed.
                    feed = await table.ReadLastPositionAsync(stopping);
                    await RefreshAsync(markAllPending: true, stopping);
                    refreshAt = DateTime.UtcNow + RefreshInterval;
                }
                else if (DateTime.UtcNow >= refreshAt)
                {
                    await SaveCursorsAsync(stopping);
                    await RefreshAsync(markAllPending: false, stopping);
                    refreshAt = DateTime.UtcNow + RefreshInterval;
                }

                bool none;
                lock (_lock)
                {
                    none = _byName.Count == 0;
                }

                if (none)
                {
                    // Nothing subscribed: no feed to tail. A subscription made here wakes the loop, one made
                    // elsewhere is found by the next look at the table; either way the feed is then read afresh.
                    feed = -1;
                    await WaitAsync(RefreshInterval, stopping);
                    continue;
                }

                var batch = await reader.ReadAllAsync(feed, FeedBatch, stopping);
                lock (_lock)
                {
                    foreach (var streamEvent in batch)
                    {
                        if (_byStream.TryGetValue(streamEvent.Stream, out var subscriptions))
                        {
                            subscriptions.ForEach(MarkPending);
                        }
                    }

                    Dispatch(stopping);
                }

                if (batch.Count > 0)
                {
                    feed = batch[^1].Position;
                }

                if (batch.Count < FeedBatch)
                {
                    await WaitAsync(IdlePoll, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage down: back off, then start again from the feed's end with every subscription pending.
                logger.LogWarning(ex, "Explicit stream subscriptions could not read; retrying.");
                feed = -1;
                await WaitAsync(MaxBackoff / 10, stopping);
            }
        }
    }

    // Adds the rows this silo does not know yet; forgets those removed elsewhere (but not ones added here meanwhile).
    private async Task RefreshAsync(bool markAllPending, CancellationToken stopping)
    {
        long before;
        lock (_lock)
        {
            before = _generation;
        }

        var rows = await table.ReadAllAsync(stopping);
        lock (_lock)
        {
            var stored = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var name = NameOf(row);
                stored.Add(name);
                if (!_byName.TryGetValue(name, out var subscription))
                {
                    MarkPending(Track(row, before));
                }
                else if (markAllPending)
                {
                    MarkPending(subscription);
                }
            }

            foreach (var gone in _byName.Values.Where(s => !stored.Contains(s.Name) && s.Generation <= before).ToArray())
            {
                Untrack(gone);
            }
        }
    }

    private async Task SaveCursorsAsync(CancellationToken cancellationToken)
    {
        List<(Subscription Subscription, long Cursor)> moved;
        lock (_lock)
        {
            moved = _byName.Values.Where(s => s.Cursor > s.SavedCursor).Select(s => (s, s.Cursor)).ToList();
        }

        await table.UpdateDeliveredAsync(moved.Select(m => new StreamSubscriptionEntry(m.Subscription.Stream, m.Subscription.Consumer, m.Cursor)).ToArray(), cancellationToken);
        lock (_lock)
        {
            moved.ForEach(m => m.Subscription.SavedCursor = Math.Max(m.Subscription.SavedCursor, m.Cursor));
        }
    }

    // Under _lock.
    private Subscription Track(StreamSubscriptionEntry entry, long generation)
    {
        var subscription = new Subscription(NameOf(entry), entry.Stream, entry.Consumer, entry.DeliveredSequence, generation);
        _byName[subscription.Name] = subscription;
        if (!_byStream.TryGetValue(entry.Stream, out var subscriptions))
        {
            _byStream[entry.Stream] = subscriptions = [];
        }

        subscriptions.Add(subscription);
        return subscription;
    }

    // Under _lock.
    private void Untrack(Subscription subscription)
    {
        _byName.Remove(subscription.Name);
        _due.Remove(subscription);
        if (_byStream.TryGetValue(subscription.Stream, out var subscriptions) && subscriptions.Remove(subscription) && subscriptions.Count == 0)
        {
            _byStream.Remove(subscription.Stream);
        }
    }

    // Under _lock.
    private void MarkPending(Subscription subscription)
    {
        subscription.Pending = true;
        if (!subscription.InFlight && subscription.ParkedAt is null)
        {
            _due.Add(subscription);
        }
    }

    // Under _lock: an admin skipped or retried; deliver again now.
    private void Resume(Subscription subscription)
    {
        subscription.ParkedAt = null;
        subscription.RetryAt = 0;
        subscription.Attempts = 0;
        subscription.Status = subscription.Status with { State = SubscriptionState.Running, Attempts = 0, ParkedPosition = null, ParkedType = null, ParkedSequence = null };
        MarkPending(subscription);
    }

    // In a cluster only the silo that owns the subscriber delivers to it; the others set the subscription aside, still
    // pending, and a view change that brings the subscriber here makes it due again (a stale cursor only repeats events
    // the subscriber's checkpoint ignores).
    private bool OwnsHere(Subscription subscription)
        => oracle is null || (oracle.LocalSilo is { } self && Placement.RendezvousPlacement.PickOwner(subscription.Consumer, oracle.CurrentView) == self);

    // Under _lock: starts deliveries for due subscriptions, as many as may run at once.
    private void Dispatch(CancellationToken stopping)
    {
        var now = Environment.TickCount64;
        foreach (var subscription in _due.ToArray())
        {
            if (_deliveries.Count >= MaxConcurrentDeliveries)
            {
                return;
            }

            if (!OwnsHere(subscription))
            {
                _due.Remove(subscription); // stays Pending: OnViewChanged brings it back if it moves here
                continue;
            }

            if (subscription.RetryAt > now)
            {
                continue;
            }

            _due.Remove(subscription);
            subscription.InFlight = true;
            subscription.Pending = false;
            var delivery = Task.Run(() => DeliverAsync(subscription, stopping), CancellationToken.None);
            _deliveries.Add(delivery);
            _ = delivery.ContinueWith(done => Delivered(subscription, done), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Delivered(Subscription subscription, Task delivery)
    {
        lock (_lock)
        {
            _deliveries.Remove(delivery);
            subscription.InFlight = false;
            if (subscription.Pending && _byName.TryGetValue(subscription.Name, out var tracked) && tracked == subscription)
            {
                MarkPending(subscription);
            }
        }

        Wake();
    }

    // Catches one subscription up with its stream. Runs alone for its subscription.
    private async Task DeliverAsync(Subscription subscription, CancellationToken stopping)
    {
        var consumer = Consumer(subscription);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var events = Consecutive(await reader.ReadStreamAsync(subscription.Stream, subscription.Cursor, StreamBatch, stopping), subscription.Cursor);
                if (events.Length == 0)
                {
                    return; // caught up
                }

                long reached;
                if (!subscription.OneAtATime)
                {
                    try
                    {
                        reached = await consumer.ApplyStreamEventsAsync(subscription.Stream, events);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        logger.LogWarning(ex, "Subscription {Subscription} failed on a batch; delivering one event at a time.", subscription.Name);
                        subscription.OneAtATime = true;
                        continue;
                    }
                }
                else
                {
                    try
                    {
                        reached = await consumer.ApplyStreamEventsAsync(subscription.Stream, [events[0]]);
                        if (reached == subscription.Cursor)
                        {
                            throw new InvalidOperationException($"{subscription.Consumer} applied nothing of event {events[0].Sequence} and did not fail.");
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        Failed(subscription, events[0], ex);
                        return;
                    }

                    subscription.OneAtATime = false;
                }

                lock (_lock)
                {
                    if (reached < 0)
                    {
                        // The consumer no longer holds this stream (it unsubscribed meanwhile): nothing to deliver.
                        subscription.Status = subscription.Status with { State = SubscriptionState.Running, LastError = "the consumer is not subscribed to the stream" };
                        return;
                    }

                    subscription.Cursor = reached;
                    subscription.Attempts = 0;
                    subscription.Status = subscription.Status with
                    {
                        Checkpoint = reached, State = SubscriptionState.Running, Attempts = 0, LastError = null, ParkedPosition = null, ParkedType = null, ParkedSequence = null,
                    };
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Reading the stream failed (storage down): try again after a pause.
            logger.LogWarning(ex, "Subscription {Subscription} could not read its stream; retrying.", subscription.Name);
            lock (_lock)
            {
                subscription.Pending = true;
                subscription.RetryAt = Environment.TickCount64 + (long)(MaxBackoff / 10).TotalMilliseconds;
            }
        }
    }

    private void Failed(Subscription subscription, StreamEvent streamEvent, Exception exception)
    {
        lock (_lock)
        {
            var attempts = ++subscription.Attempts;
            var parked = attempts >= SubscriptionManager.MaxAttempts;
            subscription.Status = subscription.Status with
            {
                State = parked ? SubscriptionState.Parked : SubscriptionState.Retrying,
                Attempts = attempts,
                LastError = $"{exception.GetType().Name}: {exception.Message}",
                ParkedPosition = parked ? streamEvent.Position : null,
                ParkedType = parked ? streamEvent.Type : null,
                ParkedSequence = parked ? streamEvent.Sequence : null,
            };
            if (parked)
            {
                subscription.ParkedAt = streamEvent.Sequence;
                logger.LogError(exception, "Subscription {Subscription} parked at event {Sequence} ({Type}).", subscription.Name, streamEvent.Sequence, streamEvent.Type);
                return;
            }

            subscription.Pending = true;
            subscription.RetryAt = Environment.TickCount64 + (long)Backoff(attempts).TotalMilliseconds;
        }
    }

    // The events that follow `after` without a gap: a later sequence visible before an earlier one waits for it.
    private static StreamEvent[] Consecutive(IReadOnlyList<StreamEvent> events, long after)
        => events.TakeWhile((e, i) => e.Sequence == after + 1 + i).ToArray();

    private static TimeSpan Backoff(int attempt)
        => TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, attempt - 1)));

    private void Wake()
    {
        lock (_lock)
        {
            _wake.TrySetResult();
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stopping)
    {
        Task wake;
        lock (_lock)
        {
            if (_wake.Task.IsCompleted)
            {
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return; // something changed while the loop was busy: act on it now
            }

            wake = _wake.Task;
        }

        await Task.WhenAny(wake, Task.Delay(delay, stopping));
        stopping.ThrowIfCancellationRequested();
    }

    /// <summary>One explicit subscription as this silo delivers it. Mutated under the owner's lock, or by its one delivery.</summary>
    private sealed class Subscription(string name, StreamId stream, GrainId consumer, long cursor, long generation)
    {
        public string Name => name;

        public StreamId Stream => stream;

        public GrainId Consumer => consumer;

        /// <summary>When the silo learnt of it: a refresh forgets only subscriptions it knew before reading the table.</summary>
        public long Generation => generation;

        /// <summary>The sequence the consumer is known to hold; never ahead of its checkpoint.</summary>
        public long Cursor { get; set; } = cursor;

        /// <summary>The cursor as stored with the row.</summary>
        public long SavedCursor { get; set; } = cursor;

        public bool Pending { get; set; }

        public bool InFlight { get; set; }

        public bool OneAtATime { get; set; }

        public int Attempts { get; set; }

        /// <summary><see cref="Environment.TickCount64"/> before which no retry starts.</summary>
        public long RetryAt { get; set; }

        /// <summary>The sequence of the poison event it is parked at, if any.</summary>
        public long? ParkedAt { get; set; }

        public SubscriptionStatus Status { get; set; } = new(name, [stream.Namespace], cursor, SubscriptionState.Running, 0, null, null, null)
        {
            Stream = stream.ToString(),
            Consumer = consumer.ToString(),
        };
    }
}
