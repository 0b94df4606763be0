using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrderActors.Runtime;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Messaging.Transport;
using OrderActors.Runtime.Serialization;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>The connection's invariants, against a hand-written peer that does only what each test needs.</summary>
public sealed class TransportConnectionTests
{
    private static readonly MessageCodec Codec = new(new GrainSerializer([]));
    private static readonly GrainMethod Length = GrainInterfaces.Get(typeof(IClusterProbeGrain)).Methods.Single(m => m.Method.Name == nameof(IClusterProbeGrain.LengthAsync));

    [Fact]
    public async Task A_peer_that_stops_reading_fills_the_bounded_queue_and_further_calls_fail_at_once_as_not_sent()
    {
        using var peer = new SilentPeer(readRequests: false);
        var connection = await ConnectAsync(peer);
        var payload = new string('x', 1024);
        var calls = Enumerable.Range(0, 30_000).Select(_ => new Sink()).ToArray();

        foreach (var call in calls)
        {
            connection.SendRequest(Call(call, payload, 60_000));
        }

        await Eventually.TrueAsync(() => connection.QueuedRequests == TransportConnection.MaxQueuedRequests, "the queue filled up while the peer read nothing");
        var refused = calls.Where(c => c.Task.IsCompleted).Select(c => c.Task.Result).ToArray();
        Assert.True(refused.Length > 0, "with the queue full, further calls should fail at once instead of waiting without bound");
        Assert.All(refused, o => Assert.IsType<SiloUnavailableException>(o));
        Assert.Equal(calls.Length - refused.Length, connection.OutstandingCount);

        peer.Drop();

        var outcomes = await Task.WhenAll(calls.Select(c => c.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(outcomes, o => Assert.True(o is SiloUnavailableException or CallOutcomeUnknownException, $"unexpected outcome {o}"));
        Assert.True(outcomes.Count(o => o is SiloUnavailableException) >= refused.Length + TransportConnection.MaxQueuedRequests,
            "the calls still queued at the drop were never written: they should fail as not sent (retryable)");
        Assert.Contains(outcomes, o => o is CallOutcomeUnknownException); // the ones written before the peer stopped reading
        Assert.False(connection.IsOpen);
        Assert.Equal(0, connection.OutstandingCount);

        var late = new Sink();
        connection.SendRequest(Call(late, "x", 60_000));
        Assert.IsType<SiloUnavailableException>(await late.Task); // a closed connection never takes a call
    }

    [Fact]
    public async Task A_call_the_peer_has_read_fails_with_an_unknown_outcome_when_the_connection_drops()
    {
        using var peer = new SilentPeer(readRequests: true);
        var connection = await ConnectAsync(peer);
        var call = new Sink();

        connection.SendRequest(Call(call, "x", 60_000));
        await Eventually.TrueAsync(() => peer.RequestsRead == 1, "the peer read the request");
        peer.Drop();

        var outcome = await call.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("may or may not have run", Assert.IsType<CallOutcomeUnknownException>(outcome).Message);
    }

    [Fact]
    public async Task A_peer_that_hangs_without_a_reset_is_closed_after_the_idle_timeout_and_its_calls_fail()
    {
        using var peer = new SilentPeer(readRequests: true); // reads, but never answers anything, pings included
        var connection = await ConnectAsync(peer, idleTimeout: TimeSpan.FromMilliseconds(300));
        var call = new Sink();

        connection.SendRequest(Call(call, "x", 60_000));

        var outcome = await call.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("hung", Assert.IsType<CallOutcomeUnknownException>(outcome).Message);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task A_quiet_connection_to_a_live_peer_stays_open_on_pings()
    {
        await using var pair = await ConnectedPair.StartAsync(idleTimeout: TimeSpan.FromMilliseconds(300));

        // Either side pings when it has heard nothing for a third of the timeout, and a ping received counts as hearing
        // something, so which side pings depends on whose sweep comes first: count the answered pings of both.
        await Eventually.TrueAsync(() => pair.Client.PongsReceived + pair.Server.PongsReceived >= 6, "pings were answered for two idle timeouts");

        Assert.True(pair.Client.IsOpen && pair.Server.IsOpen, "a live but quiet connection must not be closed by the keepalive");
    }

    [Fact]
    public async Task A_graceful_close_answers_late_requests_as_not_served_and_finishes_the_ones_in_progress()
    {
        await using var pair = await ConnectedPair.StartAsync(Timeout.InfiniteTimeSpan);
        var first = new Sink();
        pair.Client.SendRequest(Call(first, "four", 60_000));
        await Eventually.TrueAsync(() => pair.Handler.Requests.Count == 1, "the first request reached the handler");

        var closing = pair.Server.CloseGracefullyAsync(TimeSpan.FromSeconds(10));
        var late = new Sink();
        pair.Client.SendRequest(Call(late, "late", 60_000));

        Assert.Contains("not served", Assert.IsType<SiloUnavailableException>(await late.Task.WaitAsync(TimeSpan.FromSeconds(10))).Message);
        Assert.Single(pair.Handler.Requests); // the late request never ran
        Assert.False(closing.IsCompleted, "the close should wait for the request in progress");
        var (served, request) = pair.Handler.Requests.Single();
        served.SendResponse(request.CorrelationId, failed: false, Codec.EncodeResult(Length, 4));
        Assert.Equal(4, await first.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(pair.Server.IsOpen);
    }

    [Fact]
    public async Task A_call_whose_response_never_comes_fails_with_a_timeout_after_its_deadline()
    {
        using var peer = new SilentPeer(readRequests: false);
        var connection = await ConnectAsync(peer);
        var call = new Sink();

        connection.SendRequest(Call(call, "x", 200));

        Assert.IsType<GrainCallTimeoutException>(await call.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, connection.OutstandingCount);
        connection.Close();
    }

    [Fact]
    public async Task A_request_a_silo_cannot_serve_fails_alone_and_the_connection_stays_open()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var silo = cluster.Silos[0];
        var connection = await TransportConnection.ConnectAsync(
            "127.0.0.1", silo.Address.Port, new HandshakeFrame(PeerRole.Client, "orderactors", "test"), silo.Address.ToString(), Codec, null,
            NullLogger.Instance, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        var unknown = new Sink();
        var known = new Sink();

        connection.SendRequest(new Message(new GrainId("nobody", "k"), GrainInterfaces.Get(typeof(IUnservedGrain)).Methods[0], [], unknown, null, Environment.TickCount64 + 10_000));
        connection.SendRequest(new Message(new GrainId("test-cluster-probe", "k"), Length, ["four"], known, null, Environment.TickCount64 + 10_000));

        Assert.Contains("does not know the grain interface", Assert.IsType<InvalidOperationException>(await unknown.Task).Message);
        Assert.Equal(4, await known.Task);
        Assert.True(connection.IsOpen);
        connection.Close();
    }

    public interface IUnservedGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    private static Task<TransportConnection> ConnectAsync(SilentPeer peer, TimeSpan? idleTimeout = null)
        => TransportConnection.ConnectAsync(
            "127.0.0.1", peer.Port, new HandshakeFrame(PeerRole.Client, "orderactors", "test"), null, Codec, null,
            NullLogger.Instance, TimeSpan.FromSeconds(10), idleTimeout ?? Timeout.InfiniteTimeSpan);

    private static Message Call(IResponseSink sink, string text, int timeoutMs)
        => new(new GrainId("test-cluster-probe", "p"), Length, [text], sink, null, Environment.TickCount64 + timeoutMs);

    /// <summary>Keeps the requests it gets; the test answers them.</summary>
    private sealed class HoldingHandler : IInboundRequestHandler
    {
        public ConcurrentQueue<(TransportConnection Connection, RequestFrame Request)> Requests { get; } = new();

        public void OnRequest(TransportConnection connection, RequestFrame request) => Requests.Enqueue((connection, request));
    }

    /// <summary>A client connection and the server side of it, accepted by <see cref="TransportConnection.AcceptAsync"/>.</summary>
    private sealed class ConnectedPair : IAsyncDisposable
    {
        private ConnectedPair(TransportConnection client, TransportConnection server, HoldingHandler handler)
            => (Client, Server, Handler) = (client, server, handler);

        public TransportConnection Client { get; }

        public TransportConnection Server { get; }

        public HoldingHandler Handler { get; }

        public static async Task<ConnectedPair> StartAsync(TimeSpan idleTimeout)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var handler = new HoldingHandler();
                var accepting = Task.Run(async () => await TransportConnection.AcceptAsync(
                    await listener.AcceptSocketAsync(), "server", _ => null, Codec, handler, NullLogger.Instance, TimeSpan.FromSeconds(10), idleTimeout));
                var client = await TransportConnection.ConnectAsync(
                    "127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, new HandshakeFrame(PeerRole.Client, "orderactors", "test"), "server",
                    Codec, null, NullLogger.Instance, TimeSpan.FromSeconds(10), idleTimeout);
                var server = await accepting ?? throw new InvalidOperationException("the server side refused the handshake");
                return new ConnectedPair(client, server, handler);
            }
            finally
            {
                listener.Stop();
            }
        }

        public ValueTask DisposeAsync()
        {
            Client.Close();
            Server.Close();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Sink : IResponseSink
    {
        private readonly TaskCompletionSource<object?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The result, or the exception the call failed with.</summary>
        public Task<object?> Task => _outcome.Task;

        public void Complete(object? result) => _outcome.TrySetResult(result);

        public void Fail(Exception exception) => _outcome.TrySetResult(exception);
    }

    /// <summary>
    /// Accepts one connection and answers its handshake; then reads nothing until dropped, or reads and counts the
    /// requests but answers nothing, not even pings (a hung peer).
    /// </summary>
    private sealed class SilentPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly bool _readRequests;
        private Socket? _socket;
        private int _requestsRead;

        public SilentPeer(bool readRequests)
        {
            _readRequests = readRequests;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int RequestsRead => Volatile.Read(ref _requestsRead);

        public void Drop() => _socket?.Close(0);

        public void Dispose()
        {
            _socket?.Dispose();
            _listener.Stop();
        }

        private async Task AcceptAsync()
        {
            _socket = await _listener.AcceptSocketAsync();
            var stream = new NetworkStream(_socket);
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            while (true)
            {
                var read = await input.ReadAsync();
                var buffer = read.Buffer;
                if (FrameCodec.TryRead(ref buffer, out _))
                {
                    input.AdvanceTo(buffer.Start);
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }

            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            FrameCodec.Write(output, new HandshakeAckFrame(true, "silent", ""));
            await output.FlushAsync();
            while (_readRequests)
            {
                ReadResult read;
                try
                {
                    read = await input.ReadAsync();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                var buffer = read.Buffer;
                while (FrameCodec.TryRead(ref buffer, out var frame))
                {
                    if (frame is RequestFrame)
                    {
                        Interlocked.Increment(ref _requestsRead);
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
    }
}
