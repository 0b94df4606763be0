using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging.Transport;

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
/// <item>Back-pressure: the channel holds at most <see cref="MaxQueuedFrames"/> frames. When the peer reads slower
/// than we write, the flush waits for the socket, the channel fills, and further senders wait for room (in the order
/// they came) instead of the connection buffering without bound. The bound counts frames, not bytes: calls are small,
/// and a large payload is held once by its caller anyway.</item>
/// <item>Every request sent on this connection ends exactly once: with its response, with a timeout once its
/// deadline has passed, or, the moment the connection closes for any reason, with
/// <see cref="SiloUnavailableException"/> (retryable). A sender registers its request before it checks whether the
/// connection is closed, so no request can slip between the close and the failing of everything outstanding.</item>
/// <item>A response for a request of the peer is sent on the connection the request came on; if that has closed
/// the response is dropped, because the peer already failed the request.</item>
/// </list>
/// </remarks>
internal sealed class TransportConnection
{
    /// <summary>Frames a connection queues before senders wait.</summary>
    public const int MaxQueuedFrames = 1024;

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<Frame> _outgoing = Channel.CreateBounded<Frame>(
        new BoundedChannelOptions(MaxQueuedFrames) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<long, Outstanding> _outstanding = new();
    private readonly MessageCodec _codec;
    private readonly IInboundRequestHandler? _handler;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _sweeper;
    private Task _writeLoop = Task.CompletedTask;
    private long _nextCorrelationId;
    private int _closing;

    private TransportConnection(Socket socket, NetworkStream stream, MessageCodec codec, IInboundRequestHandler? handler, ILogger logger)
    {
        _socket = socket;
        _input = PipeReader.Create(stream);
        _output = PipeWriter.Create(stream);
        _codec = codec;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>The peer: its silo address or client id, as it gave it in the handshake.</summary>
    public string RemoteIdentity { get; private set; } = "unknown peer";

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Completes once the connection has closed and every outstanding request has failed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Frames queued for the write loop (at most <see cref="MaxQueuedFrames"/>).</summary>
    public int QueuedFrames => _outgoing.Reader.Count;

    /// <summary>Requests sent on this connection still waiting for their response.</summary>
    public int OutstandingCount => _outstanding.Count;

    /// <summary>
    /// Connects, sends the handshake and waits for the acceptor's answer. <paramref name="expectedIdentity"/>, when
    /// given, is the silo address the connection is meant for: an acceptor with another (a restarted silo) is refused.
    /// </summary>
    public static async Task<TransportConnection> ConnectAsync(
        string host, int port, HandshakeFrame hello, string? expectedIdentity, MessageCodec codec, IInboundRequestHandler? handler,
        ILogger logger, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = (TransportConnection?)null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(host, port, deadline.Token);
            connection = new TransportConnection(socket, new NetworkStream(socket, ownsSocket: true), codec, handler, logger);
            FrameCodec.Write(connection._output, hello);
            await connection._output.FlushAsync(deadline.Token);
            var ack = await connection.ReadHandshakeFrameAsync(deadline.Token) as HandshakeAckFrame
                ?? throw new InvalidDataException("The peer answered the handshake with another frame.");
            if (!ack.Accepted)
            {
                throw new SiloUnavailableException($"The silo at {host}:{port} refused the connection: {ack.Reason}");
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
            if (ex is SiloUnavailableException)
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
        ILogger logger, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        socket.NoDelay = true;
        var connection = new TransportConnection(socket, new NetworkStream(socket, ownsSocket: true), codec, handler, logger);
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
        if (!IsOpen)
        {
            if (_outstanding.TryRemove(id, out var unsent))
            {
                unsent.Sink.Fail(Unavailable(null));
            }

            return;
        }

        Enqueue(frame);
    }

    /// <summary>Sends the outcome of a request the peer sent; dropped if the connection has closed.</summary>
    public void SendResponse(long correlationId, bool failed, byte[] payload)
    {
        if (payload.Length > FrameCodec.MaxPayloadLength)
        {
            (failed, payload) = (true, _codec.Exceptions.Encode(new InvalidOperationException(
                $"The response is {payload.Length} bytes; a call may carry {FrameCodec.MaxPayloadLength} at most.")));
        }

        if (IsOpen)
        {
            Enqueue(new ResponseFrame(correlationId, failed, payload));
        }
    }

    /// <summary>
    /// Closes at once: the socket is disposed and every outstanding request fails with
    /// <see cref="SiloUnavailableException"/>. Frames still queued are lost.
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
                call.Sink.Fail(Unavailable(cause));
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

    /// <summary>Stops taking frames, sends what is queued, then closes.</summary>
    public async Task CloseGracefullyAsync(TimeSpan timeout)
    {
        _outgoing.Writer.TryComplete();
        await Task.WhenAny(_writeLoop, Task.Delay(timeout));
        Close();
    }

    private void Start()
    {
        _sweeper = new Timer(static s => ((TransportConnection)s!).ExpireRequests(), this, SweepPeriod, SweepPeriod);
        _ = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
    }

    private void Enqueue(Frame frame)
    {
        if (!_outgoing.Writer.TryWrite(frame))
        {
            _ = EnqueueWhenRoomAsync(frame);
        }
    }

    // The channel is full (the peer reads slowly) or completed (closing: Close fails what is outstanding).
    private async Task EnqueueWhenRoomAsync(Frame frame)
    {
        try
        {
            await _outgoing.Writer.WriteAsync(frame);
        }
        catch (ChannelClosedException)
        {
            // closed while waiting; the request, if this was one, has been failed by Close
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
            case RequestFrame request when _handler is not null:
                _handler.OnRequest(this, request);
                break;
            case RequestFrame request:
                SendResponse(request.CorrelationId, failed: true, _codec.Exceptions.Encode(
                    new InvalidOperationException($"A client does not serve grain calls ({request.Target}).")));
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

    private void ExpireRequests()
    {
        var now = Environment.TickCount64;
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

    private SiloUnavailableException Unavailable(Exception? cause)
        => new($"The connection to {RemoteIdentity} closed before the response arrived{(cause is null ? "" : $" ({cause.Message})")}; the call may or may not have run.");

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

    private sealed record Outstanding(IResponseSink Sink, GrainMethod Method, long Deadline);
}
