using System.Buffers;
using System.IO.Pipelines;
using OrderActors.Runtime;
using OrderActors.Runtime.Messaging.Transport;

namespace OrderActors.Tests.Cluster;

public sealed class FrameCodecTests
{
    private static Frame[] SampleFrames() =>
    [
        new HandshakeFrame(PeerRole.Client, "orderactors", "client-1"),
        new HandshakeAckFrame(true, "127.0.0.1:5000@42", ""),
        new RequestFrame(7, new GrainId("order", "o-ü-1"), "Some.IGrain", 3, 29_000, 1, ["order/o-ü-1", "inventory/sku-1"], "[1,\"two\"]"u8.ToArray()),
        new RequestFrame(long.MaxValue, new GrainId("t", "k"), "I", 0, 0, 0, [], []),
        new ResponseFrame(7, false, Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray()),
        new ResponseFrame(8, true, "{\"type\":\"x\"}"u8.ToArray()),
    ];

    [Fact]
    public async Task Frames_fed_one_byte_at_a_time_decode_exactly_as_written()
    {
        var written = new ArrayBufferWriter<byte>();
        foreach (var frame in SampleFrames())
        {
            FrameCodec.Write(written, frame);
        }

        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 1, pauseWriterThreshold: 0));
        var feeding = Task.Run(async () =>
        {
            foreach (var b in written.WrittenMemory.ToArray())
            {
                await pipe.Writer.WriteAsync(new[] { b });
            }

            await pipe.Writer.CompleteAsync();
        });

        var decoded = new List<Frame>();
        while (true)
        {
            var read = await pipe.Reader.ReadAsync();
            var buffer = read.Buffer;
            while (FrameCodec.TryRead(ref buffer, out var frame))
            {
                decoded.Add(frame!);
            }

            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes were left over after the last whole frame");
                break;
            }
        }

        await feeding;
        Assert.Equal(SampleFrames().Select(Describe), decoded.Select(Describe));
    }

    [Fact]
    public void A_frame_that_has_not_fully_arrived_is_left_in_the_buffer()
    {
        var written = new ArrayBufferWriter<byte>();
        FrameCodec.Write(written, SampleFrames()[2]);
        var partial = new ReadOnlySequence<byte>(written.WrittenMemory[..^1]);

        Assert.False(FrameCodec.TryRead(ref partial, out _));
        Assert.Equal(written.WrittenCount - 1, partial.Length);
    }

    [Fact]
    public void A_corrupt_length_prefix_is_rejected_instead_of_waiting_for_gigabytes()
    {
        var garbage = new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 3 });

        Assert.Throws<InvalidDataException>(() => FrameCodec.TryRead(ref garbage, out _));
    }

    private static string Describe(Frame frame) => frame switch
    {
        HandshakeFrame h => $"hello {h.Role} {h.ClusterId} {h.Identity}",
        HandshakeAckFrame a => $"ack {a.Accepted} {a.Identity} {a.Reason}",
        RequestFrame r => $"request {r.CorrelationId} {r.Target} {r.InterfaceName} {r.MethodId} {r.RemainingMs} {r.Hops} [{string.Join(",", r.Chain)}] {Convert.ToHexString(r.Arguments)}",
        ResponseFrame p => $"response {p.CorrelationId} {p.Failed} {Convert.ToHexString(p.Payload)}",
        _ => frame.GetType().Name,
    };
}
