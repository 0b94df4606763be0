using System.Collections.Concurrent;
using System.Diagnostics;
using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Reminders;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime.Messaging;

/// <summary>Where messages go: the local catalog (standalone) or the <see cref="ClusterRouter"/> (cluster mode).</summary>
internal interface IMessageTarget
{
    void Deliver(Message message);
}

/// <summary>
/// The sending half of the runtime: hands out grain references, turns calls into messages, tracks
/// outstanding calls and fails the ones that outlive the call timeout.
/// </summary>
internal sealed class RuntimeClient : IGrainFactory, IDisposable
{
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private readonly GrainTypeRegistry _types;
    private readonly MessageCodec _codec;
    private readonly bool _serializeLocalCalls;
    private readonly long _callTimeoutMs;
    private readonly Timer _sweeper;
    private long _nextCorrelationId;
    private IMessageTarget? _target;
    private ReminderService? _reminders;

    public RuntimeClient(GrainTypeRegistry types, MessageCodec codec, IOptions<SiloOptions> options, TimeProvider timeProvider)
    {
        _types = types;
        _codec = codec;
        TimeProvider = timeProvider;
        _serializeLocalCalls = options.Value.SerializeLocalCalls;
        CallTimeout = options.Value.CallTimeout;
        _callTimeoutMs = (long)CallTimeout.TotalMilliseconds;
        var sweep = TimeSpan.FromMilliseconds(Math.Clamp(_callTimeoutMs / 10, 10, 1000));
        _sweeper = new Timer(static s => ((RuntimeClient)s!).ExpireCalls(), this, sweep, sweep);
    }

    public TimeProvider TimeProvider { get; }

    public TimeSpan CallTimeout { get; }

    public ReminderService Reminders => _reminders ?? throw new InvalidOperationException("Reminders are not available before the silo starts.");

    internal void Attach(IMessageTarget target, ReminderService? reminders)
    {
        _target = target;
        _reminders = reminders;
    }

    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var grainType = _types.GetGrainTypeName(typeof(TGrain));
        return (TGrain)CreateReference(typeof(TGrain), new GrainId(grainType, key));
    }

    internal object CreateReference(Type interfaceType, GrainId id)
    {
        var proxy = (GrainProxy)System.Reflection.DispatchProxy.Create(interfaceType, typeof(GrainProxy));
        proxy.Bind(this, GrainInterfaces.Get(interfaceType), id);
        return proxy;
    }

    /// <summary>Sends a request and returns the task that completes with its response.</summary>
    public Task<TResult> SendRequest<TResult>(GrainId target, GrainMethod method, object?[] arguments)
    {
        var deliverTo = _target ?? throw new InvalidOperationException("The silo has not started; grain calls are not possible yet.");
        if (_serializeLocalCalls)
        {
            arguments = _codec.RoundTripArguments(method, arguments);
        }

        var id = Interlocked.Increment(ref _nextCorrelationId);
        var call = new PendingCall<TResult>(this, id, method, target, _serializeLocalCalls ? _codec : null);
        var message = new Message(target, method, arguments, call, RequestContext.Chain, Environment.TickCount64 + _callTimeoutMs);
        call.Message = message;
        _pending[id] = call;
        RuntimeMetrics.Calls.Add(1);
        deliverTo.Deliver(message);
        return call.Task;
    }

    /// <summary>Sends a request on behalf of the runtime (reminder ticks) without a typed proxy.</summary>
    public Task SendSystemRequest(GrainId target, Type interfaceType, string methodName, object?[] arguments)
    {
        var method = GrainInterfaces.Get(interfaceType).Methods.First(m => m.Method.Name == methodName);
        return SendRequest<object?>(target, method, arguments);
    }

    private void ExpireCalls()
    {
        var now = Environment.TickCount64;
        foreach (var (id, call) in _pending)
        {
            if (call.Message is { } message && now > message.Deadline && _pending.TryRemove(id, out _))
            {
                call.Fail(new GrainCallTimeoutException(
                    $"Call to {message.Describe()} timed out after {CallTimeout.TotalSeconds:0.###} s."));
            }
        }
    }

    private bool Forget(long id) => _pending.TryRemove(id, out _);

    public void Dispose() => _sweeper.Dispose();

    private abstract class PendingCall : IResponseSink
    {
        public Message? Message { get; set; }

        public abstract void Complete(object? result);

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingCall<TResult>(RuntimeClient owner, long id, GrainMethod method, GrainId target, MessageCodec? codec)
        : PendingCall
    {
        private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _started = Stopwatch.GetTimestamp();

        public Task<TResult> Task => _completion.Task;

        public override void Complete(object? result)
        {
            if (!owner.Forget(id))
            {
                return; // already timed out
            }

            RuntimeMetrics.RecordCall(method, _started, failed: false);
            try
            {
                if (codec is not null)
                {
                    result = codec.RoundTripResult(method, result);
                }

                _completion.TrySetResult((TResult)result!);
            }
            catch (Exception ex)
            {
                _completion.TrySetException(new InvalidOperationException(
                    $"The result of {method.Name} on grain {target} does not round-trip through the serializer: {ex.Message}", ex));
            }
        }

        public override void Fail(Exception exception)
        {
            owner.Forget(id);
            RuntimeMetrics.RecordCall(method, _started, failed: true);
            if (codec is not null)
            {
                exception = codec.Exceptions.RoundTrip(exception);
            }

            if (exception is OperationCanceledException)
            {
                _completion.TrySetCanceled();
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }
    }
}
