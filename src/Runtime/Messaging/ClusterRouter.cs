using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging.Transport;
using OrderActors.Runtime.Placement;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging;

/// <summary>
/// Routes calls in cluster mode: each call goes to the owner of its grain by the membership view (rendezvous
/// hashing): the local catalog if that is this silo, else the connection to the owner.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="bullet">
/// <item>A call this process makes that fails with <see cref="SiloUnavailableException"/> or
/// <see cref="WrongSiloException"/> was not delivered, so it is retried after <see cref="IMembershipOracle.RefreshAsync"/>
/// until its deadline (<see cref="ClusterOptions.MaxCallRetries"/> only guards against a pathological loop): a call to
/// a dead silo's grain keeps trying until the view that declares it dead arrives. A retry whose refresh brought no
/// newer view waits first (exponential back-off up to 250 ms); a retry whose back-off would pass the deadline is not
/// made, and the caller gets the retryable error instead of a timeout. Concurrent retries share one refresh. Only the
/// original caller retries. A call that may have run (<see cref="CallOutcomeUnknownException"/>) is never
/// retried.</item>
/// <item>A request that arrives for a grain this silo does not own (by its own view) is forwarded to the owner while
/// it has been forwarded fewer than <see cref="ClusterOptions.MaxForwardHops"/> times, else answered with
/// <see cref="WrongSiloException"/>.</item>
/// <item>A silo that is stopping answers other silos' and clients' requests for its grains with
/// <see cref="SiloUnavailableException"/>, and its own calls too once its catalog stops.</item>
/// </list>
/// </remarks>
internal sealed class ClusterRouter : IMessageTarget, IInboundRequestHandler
{
    private readonly IMembershipOracle _oracle;
    private readonly MessageCodec _codec;
    private readonly Catalog? _catalog;
    private readonly ClusterOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, GrainInterface> _interfaces;
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromMilliseconds(250);

    private readonly Lock _refreshLock = new();
    private Task? _refresh;
    private int _inflight;
    private volatile bool _stopping;

    public ClusterRouter(IMembershipOracle oracle, MessageCodec codec, GrainTypeRegistry types, Catalog? catalog, ClusterOptions options, ILogger logger)
    {
        _oracle = oracle;
        _codec = codec;
        _catalog = catalog;
        _options = options;
        _logger = logger;
        _interfaces = types.Interfaces.Append(typeof(IRemindable)).Append(typeof(IStreamConsumer))
            .Distinct()
            .ToDictionary(t => t.FullName!, GrainInterfaces.Get, StringComparer.Ordinal);
    }

    /// <summary>This silo, or null in a client.</summary>
    public SiloAddress? Self { get; set; }

    /// <summary>Set once the process starts; outgoing calls to other silos go through it.</summary>
    public SiloConnections Connections { get; set; } = null!;

    /// <summary>Requests of other silos and clients that arrived and have not been answered yet.</summary>
    public int Inflight => Volatile.Read(ref _inflight);

    /// <summary>From now on requests of other silos and clients for local grains are answered with <see cref="SiloUnavailableException"/>.</summary>
    public void StopServing() => _stopping = true;

    /// <summary>A call of this process (or one handed back by a deactivating activation).</summary>
    public void Deliver(Message message) => Route(message);

    public void OnRequest(TransportConnection connection, RequestFrame request)
    {
        Interlocked.Increment(ref _inflight);
        GrainMethod? method = null;
        Message message;
        try
        {
            if (!_interfaces.TryGetValue(request.InterfaceName, out var grainInterface))
            {
                throw new InvalidOperationException($"This silo does not know the grain interface {request.InterfaceName}.");
            }

            if (request.MethodId < 0 || request.MethodId >= grainInterface.Methods.Length)
            {
                throw new InvalidOperationException($"{request.InterfaceName} has no method {request.MethodId} on this silo.");
            }

            method = grainInterface.Methods[request.MethodId];
            var arguments = _codec.DecodeArguments(method, request.Arguments);
            CallChain? chain = null;
            for (var i = request.Chain.Length - 1; i >= 0; i--)
            {
                chain = new CallChain(GrainId.Parse(request.Chain[i]), chain);
            }

            var sink = new InboundResponse(this, connection, request.CorrelationId, method, request.Hops);
            message = new Message(request.Target, method, arguments, sink, chain, Environment.TickCount64 + request.RemainingMs);
        }
        catch (Exception ex)
        {
            // The request never became a message (unknown method, arguments that do not decode): answer it here.
            new InboundResponse(this, connection, request.CorrelationId, method, request.Hops).Fail(ex);
            return;
        }

        Route(message);
    }

    private void Route(Message message)
    {
        var view = _oracle.CurrentView;
        var owner = RendezvousPlacement.PickOwner(message.Target, view);
        if (owner is null)
        {
            Retryable(message).Sink?.Fail(new SiloUnavailableException($"No silo is active in membership view {view}; {message.Describe()} has nowhere to go."));
        }
        else if (owner.Equals(Self))
        {
            // Once stopping, calls from elsewhere go elsewhere; this silo's own requests in progress still reach its grains.
            if ((_stopping && message.Sink is InboundResponse) || _catalog!.IsStopping)
            {
                Retryable(message).Sink?.Fail(new SiloUnavailableException($"Silo {Self} is shutting down; {message.Describe()} was not delivered."));
            }
            else
            {
                _catalog.Deliver(message);
                if (!ReferenceEquals(_oracle.CurrentView, view))
                {
                    // The view changed while this call was being placed: the scan the change started may have missed
                    // the activation it just created here. Whoever changed the view set it before raising ViewChanged.
                    DeactivateIfMoved(message.Target);
                }
            }
        }
        else if (message.Sink is not InboundResponse inbound)
        {
            Connections.SendRequest(owner, Retryable(message));
        }
        else if (inbound.Hops < _options.MaxForwardHops)
        {
            RuntimeMetrics.CallsForwarded.Add(1);
            Connections.SendRequest(owner, message, inbound.Hops + 1);
        }
        else
        {
            inbound.Fail(new WrongSiloException(
                $"Silo {Self} does not own grain {message.Target} by view {view} (owner {owner}) and the call was forwarded {inbound.Hops} times already."));
        }
    }

    private void DeactivateIfMoved(GrainId grain)
    {
        if (!Equals(RendezvousPlacement.PickOwner(grain, _oracle.CurrentView), Self) && _catalog!.TryGetActivation(grain, out var activation))
        {
            activation!.RequestDeactivation(DeactivationReason.OwnerChanged);
        }
    }

    private async Task RetryAsync(Message original, int attempt, Exception failure)
    {
        RuntimeMetrics.RecordRetry(failure);
        var versionBefore = _oracle.CurrentView.Version;
        var backOff = BackOff(attempt);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(1, original.Deadline - Environment.TickCount64)));
            await RefreshViewAsync().WaitAsync(timeout.Token);
            if (_oracle.CurrentView.Version == versionBefore)
            {
                // Nothing new yet (the dead silo is not declared dead, or the view is still spreading): do not spin.
                await Task.Delay(backOff, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // the deadline passed
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Refreshing the membership view before retrying {Call} failed.", original.Describe());
        }

        if (Environment.TickCount64 >= original.Deadline)
        {
            original.Sink!.Fail(failure);
            return;
        }

        _logger.LogDebug("Retrying {Call} (attempt {Attempt}) after: {Reason}", original.Describe(), attempt, failure.Message);
        Route(WithSink(original, new RetryingResponse(this, original, attempt)));
    }

    private static TimeSpan BackOff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(20 << Math.Min(attempt, 4), MaxBackOff.TotalMilliseconds));

    // Every call waiting for a dead silo's replacement retries; they share one read of the membership table at a time.
    private Task RefreshViewAsync()
    {
        lock (_refreshLock)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running;
            }

            return _refresh = _oracle.RefreshAsync();
        }
    }

    // A call this process made gets its retries; a request of another process is retried by that process. Calls that go
    // straight to the local catalog need none, so they are not wrapped.
    private Message Retryable(Message message)
        => message.Sink is null or InboundResponse or RetryingResponse ? message : WithSink(message, new RetryingResponse(this, message, 0));

    private static Message WithSink(Message message, IResponseSink sink)
        => new(message.Target, message.Method, message.Arguments, sink, message.Chain, message.Deadline);

    /// <summary>
    /// The caller's side of a call: retries the failures that mean "not delivered" while the call's deadline leaves
    /// room for the back-off, passes everything else on (<see cref="CallOutcomeUnknownException"/> included).
    /// </summary>
    private sealed class RetryingResponse(ClusterRouter router, Message original, int attempt) : IResponseSink
    {
        public void Complete(object? result) => original.Sink!.Complete(result);

        public void Fail(Exception exception)
        {
            if (exception is SiloUnavailableException or WrongSiloException
                && attempt < router._options.MaxCallRetries
                && Environment.TickCount64 + (long)BackOff(attempt + 1).TotalMilliseconds < original.Deadline)
            {
                _ = router.RetryAsync(original, attempt + 1, exception);
            }
            else
            {
                original.Sink!.Fail(exception);
            }
        }
    }

    /// <summary>The answer to a request that came over a connection: sent back on that connection.</summary>
    private sealed class InboundResponse(ClusterRouter router, TransportConnection connection, long correlationId, GrainMethod? method, int hops)
        : IResponseSink
    {
        private int _done;

        /// <summary>How many silos forwarded the request before it came here.</summary>
        public int Hops => hops;

        public void Complete(object? result)
        {
            if (!Finish())
            {
                return;
            }

            byte[] payload;
            try
            {
                payload = router._codec.EncodeResult(method!, result);
            }
            catch (Exception ex)
            {
                Send(failed: true, new InvalidOperationException($"The result of {method!.Name} does not serialize: {ex.Message}", ex));
                return;
            }

            connection.SendResponse(correlationId, failed: false, payload);
        }

        public void Fail(Exception exception)
        {
            if (Finish())
            {
                Send(failed: true, exception);
            }
        }

        private void Send(bool failed, Exception exception)
        {
            byte[] payload;
            try
            {
                payload = router._codec.Exceptions.Encode(exception);
            }
            catch (Exception ex)
            {
                router._logger.LogWarning(ex, "Could not encode {Exception}; the caller gets a GrainException.", exception.GetType().Name);
                payload = router._codec.Exceptions.Encode(new GrainException(exception.GetType().FullName ?? "unknown", exception.Message));
            }

            connection.SendResponse(correlationId, failed, payload);
        }

        private bool Finish()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return false;
            }

            Interlocked.Decrement(ref router._inflight);
            return true;
        }
    }
}
