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
    public async Task A_peer_that_stops_reading_fills_the_bounded_queue_and_its_close_fails_every_call_at_once()
    {
        using var peer = new SilentPeer();
        var connection = await ConnectAsync(peer);
        var payload = new string('x', 1024);
        var calls = Enumerable.Range(0, 30_000).Select(_ => new Sink()).ToArray();

        foreach (var call in calls)
        {
            connection.SendRequest(new Message(new GrainId("test-cluster-probe", "p"), Length, [payload], call, null, Environment.TickCount64 + 60_000));
        }

        await Eventually.TrueAsync(() => connection.QueuedFrames == TransportConnection.MaxQueuedFrames, "the queue filled up while the peer read nothing");
        Assert.Equal(calls.Length, connection.OutstandingCount);
        Assert.All(calls, c => Assert.False(c.Task.IsCompleted));

        peer.Drop();

        var outcomes = await Task.WhenAll(calls.Select(c => c.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(outcomes, o => Assert.IsType<SiloUnavailableException>(o));
        Assert.False(connection.IsOpen);
        Assert.Equal(0, connection.OutstandingCount);

        var late = new Sink();
        connection.SendRequest(new Message(new GrainId("test-cluster-probe", "p"), Length, ["x"], late, null, Environment.TickCount64 + 60_000));
        Assert.IsType<SiloUnavailableException>(await late.Task); // a closed connection never takes a call
    }

    [Fact]
    public async Task A_call_whose_response_never_comes_fails_with_a_timeout_after_its_deadline()
    {
        using var peer = new SilentPeer();
        var connection = await ConnectAsync(peer);
        var call = new Sink();

        connection.SendRequest(new Message(new GrainId("test-cluster-probe", "p"), Length, ["x"], call, null, Environment.TickCount64 + 200));

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
            NullLogger.Instance, TimeSpan.FromSeconds(10));
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

    private static Task<TransportConnection> ConnectAsync(SilentPeer peer)
        => TransportConnection.ConnectAsync(
            "127.0.0.1", peer.Port, new HandshakeFrame(PeerRole.Client, "orderactors", "test"), null, Codec, null,
            NullLogger.Instance, TimeSpan.FromSeconds(10));

    private sealed class Sink : IResponseSink
    {
        private readonly TaskCompletionSource<object?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The result, or the exception the call failed with.</summary>
        public Task<object?> Task => _outcome.Task;

        public void Complete(object? result) => _outcome.TrySetResult(result);

        public void Fail(Exception exception) => _outcome.TrySetResult(exception);
    }

    /// <summary>Accepts one connection, answers its handshake, then reads nothing until dropped.</summary>
    private sealed class SilentPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private Socket? _socket;

        public SilentPeer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

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
        }
    }
}
