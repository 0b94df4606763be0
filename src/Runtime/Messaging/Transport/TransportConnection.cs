using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging.Transport;

/// <summary>
/// The silo refused the handshake (a client or silo of another cluster): a configuration error, which no retry
/// fixes, so callers get it as it is (an <see cref="InvalidOperationException"/>, not a retryable one).
/// </summary>
internal sealed class ConnectionRefusedException(string message) : InvalidOperationException(message);

/// <summary>Handles the requests that arrive on a connection (a silo's router; clients take none).</summary>
internal interface IInboundRequestHandler
{
    void OnRequest(TransportConnection connection, RequestFrame request);
}

/// <summary>
/// One persistent TCP connection between a silo and a silo or client, carrying many concurrent calls.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="number">
/// <item>The connection owns its socket from construction to <see cref="Close"/>; nothing else reads, writes or
/// disposes it. Closing is idempotent and final: a closed connection never reopens (the pool makes a new one on the
/// next send).</item>
/// <item>One reader and one writer. Only the read loop reads the socket; only the write loop writes it. Senders put
/// whole frames on a FIFO channel, so frames never interleave and leave in the order they were queued; the write
/// loop writes everything queued and then flushes once (batching under load, one flush per frame when idle).</item>
/// <item>Back-pressure fails fast. At most <see cref="MaxQueuedRequests"/> requests wait in the channel; when the peer
/// reads slower than we write, the flush waits for the socket, the channel fills, and a further request fails at once
/// with <see cref="SiloUnavailableException"/> ("not sent"), which the caller's router retries with a back-off until
/// the call's deadline. Senders never wait and nothing piles up behind the channel: a sender is a grain turn or a
/// request thread that must not block, and making every call path asynchronous down to the socket would only move the
/// unbounded pile into the callers' awaits. Responses are never refused (a peer would wait for them until its
/// deadline): there is at most one per request the peer sent, and the peer's own bound limits those.</item>
/// <item>Every request sent on this connection ends exactly once: with its response, with a timeout once its
/// deadline has passed, or, the moment the connection closes for any reason, with
/// <see cref="SiloUnavailableException"/> if the write loop never took it (it did not run: the router retries it) or
/// <see cref="CallOutcomeUnknownException"/> if it may have reached the peer (it may have run: never retried by the
/// runtime). A request counts as sent from the moment the write loop starts writing it, before the flush, because a
/// failed flush may still have put part or all of it on the wire. A sender registers its request before it checks
/// whether the connection is closed, so no request can slip between the close and the failing of everything
/// outstanding.</item>
/// <item>A response for a request of the peer is sent on the connection the request came on; if that has closed
/// the response is dropped, because the peer already failed the request.</item>
/// <item>Graceful close drains: it first stops serving (requests read from then on are answered with
/// <see cref="SiloUnavailableException"/>, so the peer retries them elsewhere, and no new request is sent), waits
/// for the requests in progress in both directions, and only then completes the channel and closes.</item>
/// <item>Keepalive: a connection on which nothing has arrived for a third of the idle timeout sends a ping, which the
/// peer answers with a pong; one on which nothing has arrived for the whole idle timeout is taken for a hung peer
/// (stopped, or cut off without a reset) and closed, failing its calls.</item>
/// </list>
/// </remarks>
internal sealed class TransportConnection
{
    /// <summary>Requests a connection queues before it refuses more (responses and pings are not counted).</summary>
    public const int MaxQueuedRequests = 1024;

    private static readonly TimeSpan MaxSweepPeriod = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<Frame> _outgoing = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, Outstanding> _outstanding = new();
    private readonly MessageCodec _codec;
    private readonly IInboundRequestHandler? _handler;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _sweeper;
    private Task _writeLoop = Task.CompletedTask;
    private readonly long _idleTimeoutMs;
    private long _nextCorrelationId;
    private long _lastReceived = Environment.TickCount64;
    private int _queuedRequests;
    private int _inboundPending;
    private int _pongsReceived;
    private int _closing;
    private int _draining;
    private int _peerDraining; // the peer sent GoAway: no request may be written after our GoAwayAck
    private readonly object _sendGate = new(); // orders "check, then queue a request" against "queue the GoAwayAck"
    private readonly TaskCompletionSource _goAwayAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TransportConnection(Socket socket, NetworkStream stream, MessageCodec codec, IInboundRequestHandler? handler, ILogger logger, TimeSpan idleTimeout)
    {
        _socket = socket;
        _input = PipeReader.Create(stream);
        _output = PipeWriter.Create(stream);
        _codec = codec;
        _handler = handler;
        _logger = logger;
        _idleTimeoutMs = idleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Math.Max(1, (long)idleTimeout.TotalMilliseconds);
    }

    /// <summary>The peer: its silo address or client id, as it gave it in the handshake.</summary>
    public string RemoteIdentity { get; private set; } = "unknown peer";

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Open and not draining: new requests may be sent on it.</summary>
    public bool AcceptsRequests => IsOpen && Volatile.Read(ref _draining) == 0 && Volatile.Read(ref _peerDraining) == 0;

    /// <summary>Completes once the connection has closed and every outstanding request has failed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Requests queued for the write loop (at most <see cref="MaxQueuedRequests"/>).</summary>
    public int QueuedRequests => Volatile.Read(ref _queuedRequests);

    /// <summary>Pongs received: each is a keepalive the peer answered.</summary>
    public int PongsReceived => Volatile.Read(ref _pongsReceived);

    /// <summary>Requests of the peer read from this connection and not answered yet.</summary>
    public int InboundPending => Volatile.Read(ref _inboundPending);

    /// <summary>Requests sent on this connection still waiting for their response.</summary>
    public int OutstandingCount => _outstanding.Count;

    /// <summary>
    /// Connects, sends the handshake and waits for the acceptor's answer. <paramref name="expectedIdentity"/>, when
    /// given, is the silo address the connection is meant for: an acceptor with another (a restarted silo) is refused.
    /// <paramref name="idleTimeout"/> is how long the connection may hear nothing before it is closed (keepalive), or
    /// <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public static async Task<TransportConnection> ConnectAsync(
        string host, int port, HandshakeFrame hello, string? expectedIdentity, MessageCodec codec, IInboundRequestHandler? handler,
        ILogger logger, TimeSpan timeout, TimeSpan idleTimeout, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = (TransportConnection?)null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(host, port, deadline.Token);
            connection = new TransportConnection(socket, new NetworkStream(socket, ownsSocket: true), codec, handler, logger, idleTimeout);
            FrameCodec.Write(connection._output, hello);
            await connection._output.FlushAsync(deadline.Token);
            var ack = await connection.ReadHandshakeFrameAsync(deadline.Token) as HandshakeAckFrame
                ?? throw new InvalidDataException("The peer answered the handshake with another frame.");
            if (!ack.Accepted)
            {
                // A refusal is a configuration error (another cluster's id): retrying cannot help, so it is not "not sent".
                throw new ConnectionRefusedException($"The silo at {host}:{port} refused the connection: {ack.Reason}");
            }

            if (expectedIdentity is not null && ack.Identity != expectedIdentity)
            {
                throw new SiloUnavailableException(
                    $"The silo at {host}:{port} is {ack.Identity}, not {expectedIdentity}: the silo that was meant has gone.");
            }

            connection.RemoteIdentity = ack.Identity;
            connection.Start();
            return connection;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (ex is SiloUnavailableException or ConnectionRefusedException)
            {
                throw;
            }

            throw new SiloUnavailableException($"Could not connect to the silo at {host}:{port}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads the handshake of a connection a peer opened and answers it; returns null (socket closed) if the
    /// handshake is missing, malformed or refused (<paramref name="validate"/> returns why, or null to accept).
    /// </summary>
    public static async Task<TransportConnection?> AcceptAsync(
        Socket socket, string localIdentity, Func<HandshakeFrame, string?> validate, MessageCodec codec, IInboundRequestHandler handler,
        ILogger logger, TimeSpan timeout, TimeSpan idleTimeout, CancellationToken cancellationToken = default)
    {
        socket.NoDelay = true;
        var connection = new TransportConnection(socket, new NetworkStream(socket, ownsSocket: true), codec, handler, logger, idleTimeout);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            if (await connection.ReadHandshakeFrameAsync(deadline.Token) is not HandshakeFrame hello)
            {
                throw new InvalidDataException("The first frame was not a handshake.");
            }

            var refusal = validate(hello);
            FrameCodec.Write(connection._output, new HandshakeAckFrame(refusal is null, localIdentity, refusal ?? ""));
            await connection._output.FlushAsync(deadline.Token);
            if (refusal is not null)
            {
                logger.LogWarning("Refused a connection from {Peer}: {Reason}", hello.Identity, refusal);
                socket.Dispose();
                return null;
            }

            connection.RemoteIdentity = hello.Identity;
            connection.Start();
            return connection;
        }
        catch (Exception ex)
        {
            logger.LogWarning("Closed a connection whose handshake failed: {Reason}", ex.Message);
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Sends a call; its outcome goes to <see cref="Message.Sink"/> (never thrown here).</summary>
    /// <param name="message">The call.</param>
    /// <param name="hops">How many silos forwarded it already.</param>
    public void SendRequest(Message message, int hops = 0)
    {
        var sink = message.Sink!;
        var method = message.Method!;
        byte[] arguments;
        try
        {
            arguments = _codec.EncodeArguments(method, message.Arguments);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            sink.Fail(new InvalidOperationException($"The arguments of {message.Describe()} do not serialize: {ex.Message}", ex));
            return;
        }

        if (arguments.Length > FrameCodec.MaxPayloadLength)
        {
            sink.Fail(new InvalidOperationException(
                $"The arguments of {message.Describe()} are {arguments.Length} bytes; a call may carry {FrameCodec.MaxPayloadLength} at most."));
            return;
        }

        var id = Interlocked.Increment(ref _nextCorrelationId);
        var remaining = Math.Clamp(message.Deadline - Environment.TickCount64, 0, int.MaxValue);
        var frame = new RequestFrame(id, message.Target, method.Owner.Type.FullName!, method.Id, (int)remaining, hops, ChainOf(message.Chain), arguments);
        _outstanding[id] = new Outstanding(sink, method, message.Deadline);
        string? unsent = null;
        lock (_sendGate) // a request queued after the GoAwayAck could arrive after the peer stopped reading
        {
            if (!AcceptsRequests)
            {
                unsent = IsOpen ? "is closing" : "has closed";
            }
            else if (Interlocked.Increment(ref _queuedRequests) > MaxQueuedRequests)
            {
                Interlocked.Decrement(ref _queuedRequests);
                unsent = $"has {MaxQueuedRequests} requests queued already (the peer reads slower than calls are made)";
            }
            else if (!_outgoing.Writer.TryWrite(frame))
            {
                Interlocked.Decrement(ref _queuedRequests);
                unsent = "has closed"; // Close completed the channel; if it failed the call already, this does nothing
            }
        }

        if (unsent is not null)
        {
            FailUnsent(id, unsent);
        }
    }

    /// <summary>Sends the outcome of a request the peer sent; dropped if the connection has closed.</summary>
    public void SendResponse(long correlationId, bool failed, byte[] payload)
    {
        if (payload.Length > FrameCodec.MaxPayloadLength)
        {
            (failed, payload) = (true, _codec.Exceptions.Encode(new InvalidOperationException(
                $"The response is {payload.Length} bytes; a call may carry {FrameCodec.MaxPayloadLength} at most.")));
        }

        Interlocked.Decrement(ref _inboundPending);
        if (IsOpen)
        {
            _outgoing.Writer.TryWrite(new ResponseFrame(correlationId, failed, payload)); // false once closing: the peer failed it already
        }
    }

    /// <summary>
    /// Closes at once: the socket is disposed and every outstanding request fails, with
    /// <see cref="SiloUnavailableException"/> if it was never written, else with <see cref="CallOutcomeUnknownException"/>.
    /// Frames still queued are lost.
    /// </summary>
    public void Close(Exception? cause = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        _sweeper?.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone
        }

        _socket.Dispose();
        foreach (var id in _outstanding.Keys)
        {
            if (_outstanding.TryRemove(id, out var call))
            {
                call.Sink.Fail(call.Written ? OutcomeUnknown(call, cause) : NotSent(call.Method, cause?.Message ?? "closed"));
            }
        }

        if (cause is null)
        {
            _logger.LogDebug("Connection to {Peer} closed.", RemoteIdentity);
        }
        else
        {
            _logger.LogInformation("Connection to {Peer} closed: {Reason}", RemoteIdentity, cause.Message);
        }

        _closed.TrySetResult();
    }

    /// <summary>
    /// Drains, then closes: from now on requests the peer sends are answered with <see cref="SiloUnavailableException"/>
    /// (not served: the peer retries them elsewhere) and no new request is sent; the peer is told so (GoAway) and
    /// acknowledges once it writes no more requests; the requests in progress in both directions and the
    /// acknowledgement get until <paramref name="timeout"/>; then what is queued is sent and the connection closes.
    /// </summary>
    public async Task CloseGracefullyAsync(TimeSpan timeout)
    {
        var until = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        Volatile.Write(ref _draining, 1);
        _outgoing.Writer.TryWrite(GoAwayFrame.Instance);

        // Until the peer acknowledged GoAway, a request it wrote before reading it may still be on its way; each is
        // answered (not served) rather than lost in the close, which the peer would have to treat as may-have-run.
        while (IsOpen && (InboundPending > 0 || OutstandingCount > 0 || !_goAwayAcked.Task.IsCompleted) && Environment.TickCount64 < until)
        {
            await Task.WhenAny(_closed.Task, Task.Delay(10));
        }

        _outgoing.Writer.TryComplete();
        await Task.WhenAny(_writeLoop, Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, until - Environment.TickCount64))));
        Close();
    }

    private void Start()
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_idleTimeoutMs / 4, 10, (long)MaxSweepPeriod.TotalMilliseconds));
        _sweeper = new Timer(static s => ((TransportConnection)s!).Sweep(), this, period, period);
        _ = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
    }

    private void FailUnsent(long id, string why)
    {
        if (_outstanding.TryRemove(id, out var unsent))
        {
            unsent.Sink.Fail(NotSent(unsent.Method, why));
        }
    }

    private async Task WriteLoopAsync()
    {
        Exception? failure = null;
        try
        {
            var frames = _outgoing.Reader;
            while (await frames.WaitToReadAsync())
            {
                while (frames.TryRead(out var frame))
                {
                    if (frame is RequestFrame request)
                    {
                        Interlocked.Decrement(ref _queuedRequests);
                        if (!_outstanding.TryGetValue(request.CorrelationId, out var call))
                        {
                            continue; // it timed out or failed while queued: nobody waits for it, so it must not run
                        }

                        call.MarkWritten(); // before the bytes leave: a failed flush may still have sent them
                    }

                    FrameCodec.Write(_output, frame);
                }

                if ((await _output.FlushAsync()).IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex; // whatever it was, the connection is unusable: close it so its calls fail now, not at their deadline
        }

        if (failure is not null)
        {
            Close(failure);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                var read = await _input.ReadAsync();
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                var buffer = read.Buffer;
                try
                {
                    while (FrameCodec.TryRead(ref buffer, out var frame))
                    {
                        Dispatch(frame!);
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex; // a corrupt stream or a bug in a handler: close, so every call on the connection fails at once
        }

        Close(failure ?? (IsOpen ? new IOException($"{RemoteIdentity} closed the connection.") : null));
    }

    private void Dispatch(Frame frame)
    {
        switch (frame)
        {
            case ResponseFrame response:
                if (_outstanding.TryRemove(response.CorrelationId, out var call))
                {
                    Complete(call, response);
                }

                break; // else: it timed out already
            case RequestFrame request:
                Interlocked.Increment(ref _inboundPending); // SendResponse takes it off
                if (Volatile.Read(ref _draining) != 0)
                {
                    SendResponse(request.CorrelationId, failed: true, _codec.Exceptions.Encode(new SiloUnavailableException(
                        $"The connection to {request.Target}'s silo is closing; the call was not served.")));
                }
                else if (_handler is not null)
                {
                    _handler.OnRequest(this, request);
                }
                else
                {
                    SendResponse(request.CorrelationId, failed: true, _codec.Exceptions.Encode(
                        new InvalidOperationException($"A client does not serve grain calls ({request.Target}).")));
                }

                break;
            case PingFrame:
                _outgoing.Writer.TryWrite(PongFrame.Instance);
                break;
            case PongFrame:
                Interlocked.Increment(ref _pongsReceived); // its arrival already reset the idle clock
                break;
            case GoAwayFrame:
                lock (_sendGate)
                {
                    Volatile.Write(ref _peerDraining, 1); // new calls go elsewhere (not sent, retried by the router)
                    _outgoing.Writer.TryWrite(GoAwayAckFrame.Instance); // after every request we queued
                }

                break;
            case GoAwayAckFrame:
                _goAwayAcked.TrySetResult();
                break;
            default:
                throw new InvalidDataException($"Unexpected {frame.Type} frame after the handshake.");
        }
    }

    private void Complete(Outstanding call, ResponseFrame response)
    {
        Exception? failure;
        object? result = null;
        try
        {
            failure = response.Failed ? _codec.Exceptions.Decode(response.Payload) : null;
            if (failure is null)
            {
                result = _codec.DecodeResult(call.Method, response.Payload);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            failure = new InvalidOperationException($"The response of {call.Method.Name} from {RemoteIdentity} could not be decoded: {ex.Message}", ex);
        }

        if (failure is null)
        {
            call.Sink.Complete(result);
        }
        else
        {
            call.Sink.Fail(failure);
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        var silentMs = now - Volatile.Read(ref _lastReceived);
        if (silentMs >= _idleTimeoutMs)
        {
            Close(new TimeoutException($"nothing arrived from {RemoteIdentity} for {silentMs} ms, not even an answer to a ping; the peer is taken for hung"));
            return;
        }

        if (silentMs >= _idleTimeoutMs / 3)
        {
            _outgoing.Writer.TryWrite(PingFrame.Instance);
        }

        ExpireRequests(now);
    }

    private void ExpireRequests(long now)
    {
        foreach (var (id, call) in _outstanding)
        {
            if (now > call.Deadline && _outstanding.TryRemove(id, out _))
            {
                call.Sink.Fail(new GrainCallTimeoutException($"{call.Method.Name} sent to {RemoteIdentity} got no response before its deadline."));
            }
        }
    }

    private async Task<Frame> ReadHandshakeFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (FrameCodec.TryRead(ref buffer, out var frame))
            {
                _input.AdvanceTo(buffer.Start);
                return frame!;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                throw new IOException("The peer closed the connection during the handshake.");
            }
        }
    }

    private SiloUnavailableException NotSent(GrainMethod method, string why)
        => new($"{method.Name} was not sent to {RemoteIdentity}: the connection {why}. It did not run.");

    private CallOutcomeUnknownException OutcomeUnknown(Outstanding call, Exception? cause)
        => new($"The connection to {RemoteIdentity} closed after {call.Method.Name} was sent and before its response arrived " +
            $"({cause?.Message ?? "closed"}): it may or may not have run. The runtime does not retry it; retry it only if it is idempotent.");

    private static string[] ChainOf(CallChain? chain)
    {
        if (chain is null)
        {
            return [];
        }

        var links = new List<string>();
        for (var link = chain; link is not null; link = link.Parent)
        {
            links.Add(link.Grain.ToString());
        }

        return [.. links];
    }

    private sealed class Outstanding(IResponseSink sink, GrainMethod method, long deadline)
    {
        private int _written;

        public IResponseSink Sink => sink;

        public GrainMethod Method => method;

        public long Deadline => deadline;

        /// <summary>The write loop has started writing it: the peer may have it.</summary>
        public bool Written => Volatile.Read(ref _written) != 0;

        public void MarkWritten() => Volatile.Write(ref _written, 1);
    }
}
