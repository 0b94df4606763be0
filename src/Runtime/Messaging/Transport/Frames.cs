using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrderActors.Runtime.Messaging.Transport;

/// <summary>What a frame carries; the byte after the length prefix.</summary>
internal enum FrameType : byte
{
    Handshake = 1,
    HandshakeAck = 2,
    Request = 3,
    Response = 4,
    Ping = 5,
    Pong = 6,
    GoAway = 7,
    GoAwayAck = 8,
}

/// <summary>Who opened a connection.</summary>
internal enum PeerRole : byte
{
    Silo = 0,
    Client = 1,
}

/// <summary>A decoded frame.</summary>
internal abstract class Frame
{
    public abstract FrameType Type { get; }
}

/// <summary>
/// The first frame on a connection, from the side that connected: a silo or a client, its cluster id (the acceptor
/// refuses another) and its identity (silo address or client id).
/// </summary>
internal sealed class HandshakeFrame(PeerRole role, string clusterId, string identity) : Frame
{
    public override FrameType Type => FrameType.Handshake;

    public PeerRole Role { get; } = role;

    public string ClusterId { get; } = clusterId;

    public string Identity { get; } = identity;
}

/// <summary>The acceptor's answer to the handshake; a rejected connection is closed after it.</summary>
internal sealed class HandshakeAckFrame(bool accepted, string identity, string reason) : Frame
{
    public override FrameType Type => FrameType.HandshakeAck;

    public bool Accepted { get; } = accepted;

    /// <summary>The acceptor's silo address, so a connector can tell a restarted silo from the one it meant.</summary>
    public string Identity { get; } = identity;

    public string Reason { get; } = reason;
}

/// <summary>A grain call.</summary>
internal sealed class RequestFrame(
    long correlationId, GrainId target, string interfaceName, int methodId, int remainingMs, int hops, string[] chain, byte[] arguments) : Frame
{
    public override FrameType Type => FrameType.Request;

    public long CorrelationId { get; } = correlationId;

    public GrainId Target { get; } = target;

    /// <summary>The full name of the interface the method id indexes (<see cref="GrainMethod.Owner"/>).</summary>
    public string InterfaceName { get; } = interfaceName;

    public int MethodId { get; } = methodId;

    /// <summary>Milliseconds until the caller stops waiting, when the frame was written.</summary>
    public int RemainingMs { get; } = remainingMs;

    public int Hops { get; } = hops;

    /// <summary>The caller's call chain as grain ids, innermost first.</summary>
    public string[] Chain { get; } = chain;

    /// <summary>The arguments as <see cref="Serialization.MessageCodec"/> encodes them.</summary>
    public byte[] Arguments { get; } = arguments;
}

/// <summary>The outcome of a call: the encoded result, or the encoded exception.</summary>
internal sealed class ResponseFrame(long correlationId, bool failed, byte[] payload) : Frame
{
    public override FrameType Type => FrameType.Response;

    public long CorrelationId { get; } = correlationId;

    public bool Failed { get; } = failed;

    public byte[] Payload { get; } = payload;
}

/// <summary>A keepalive sent on a connection that has been quiet; the peer answers with <see cref="PongFrame"/>.</summary>
internal sealed class PingFrame : Frame
{
    public static readonly PingFrame Instance = new();

    public override FrameType Type => FrameType.Ping;
}

/// <summary>
/// Sent by a side that closes gracefully: send no more requests on this connection. The peer answers with
/// <see cref="GoAwayAckFrame"/> once it has stopped, so every request it wrote before arrives before the ack.
/// </summary>
internal sealed class GoAwayFrame : Frame
{
    public static readonly GoAwayFrame Instance = new();

    public override FrameType Type => FrameType.GoAway;
}

/// <summary>The answer to a <see cref="GoAwayFrame"/>: no request follows it on this connection.</summary>
internal sealed class GoAwayAckFrame : Frame
{
    public static readonly GoAwayAckFrame Instance = new();

    public override FrameType Type => FrameType.GoAwayAck;
}

/// <summary>The answer to a <see cref="PingFrame"/>: proof that the peer still reads and writes.</summary>
internal sealed class PongFrame : Frame
{
    public static readonly PongFrame Instance = new();

    public override FrameType Type => FrameType.Pong;
}

/// <summary>
/// The wire format. Every frame is <c>length:int32 type:byte body</c> (little-endian; the length counts the type
/// byte and the body). Strings are <c>byteLength:int32</c> then UTF-8.
/// <code>
/// handshake     role:byte clusterId:str identity:str
/// handshake-ack accepted:byte identity:str reason:str
/// request       correlation:int64 hops:byte remainingMs:int32 grainType:str grainKey:str interface:str
///               methodId:int32 chainCount:int32 chain:str* arguments:(rest of the frame)
/// response      correlation:int64 failed:byte payload:(rest of the frame: result JSON, or exception JSON)
/// ping, pong    (no body)
/// </code>
/// </summary>
internal static class FrameCodec
{
    /// <summary>Frames longer than this are taken for a corrupt stream and close the connection.</summary>
    public const int MaxFrameLength = 256 * 1024 * 1024;

    /// <summary>The largest arguments or result a call may carry; the rest of a frame is left for its other fields.</summary>
    public const int MaxPayloadLength = MaxFrameLength - 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes one frame; a large payload is copied in pieces, so the writer never needs one contiguous block for it.</summary>
    public static void Write(IBufferWriter<byte> output, Frame frame)
    {
        switch (frame)
        {
            case HandshakeFrame h:
                WriteHeaderAndFields(output, FrameType.Handshake, 1 + Size(h.ClusterId) + Size(h.Identity), 0, span =>
                {
                    span[0] = (byte)h.Role;
                    var at = 1;
                    at += WriteString(span[at..], h.ClusterId);
                    WriteString(span[at..], h.Identity);
                });
                break;
            case HandshakeAckFrame a:
                WriteHeaderAndFields(output, FrameType.HandshakeAck, 1 + Size(a.Identity) + Size(a.Reason), 0, span =>
                {
                    span[0] = a.Accepted ? (byte)1 : (byte)0;
                    var at = 1;
                    at += WriteString(span[at..], a.Identity);
                    WriteString(span[at..], a.Reason);
                });
                break;
            case RequestFrame r:
                var fields = 8 + 1 + 4 + Size(r.Target.Type) + Size(r.Target.Key) + Size(r.InterfaceName) + 4 + 4 + r.Chain.Sum(Size);
                WriteHeaderAndFields(output, FrameType.Request, fields, r.Arguments.Length, span =>
                {
                    BinaryPrimitives.WriteInt64LittleEndian(span, r.CorrelationId);
                    span[8] = (byte)r.Hops;
                    BinaryPrimitives.WriteInt32LittleEndian(span[9..], r.RemainingMs);
                    var at = 13;
                    at += WriteString(span[at..], r.Target.Type);
                    at += WriteString(span[at..], r.Target.Key);
                    at += WriteString(span[at..], r.InterfaceName);
                    BinaryPrimitives.WriteInt32LittleEndian(span[at..], r.MethodId);
                    BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], r.Chain.Length);
                    at += 8;
                    foreach (var link in r.Chain)
                    {
                        at += WriteString(span[at..], link);
                    }
                });
                output.Write(r.Arguments);
                break;
            case ResponseFrame p:
                WriteHeaderAndFields(output, FrameType.Response, 9, p.Payload.Length, span =>
                {
                    BinaryPrimitives.WriteInt64LittleEndian(span, p.CorrelationId);
                    span[8] = p.Failed ? (byte)1 : (byte)0;
                });
                output.Write(p.Payload);
                break;
            case PingFrame or PongFrame or GoAwayFrame or GoAwayAckFrame:
                WriteHeaderAndFields(output, frame.Type, 0, 0, static _ => { });
                break;
            default:
                throw new ArgumentException($"Unknown frame {frame.GetType().Name}.", nameof(frame));
        }
    }

    /// <summary>
    /// Reads one whole frame from the front of <paramref name="buffer"/> and slices it off; false (buffer untouched)
    /// when the frame has not fully arrived yet. Throws <see cref="InvalidDataException"/> on a corrupt stream.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out Frame? frame)
    {
        frame = null;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length < 1 || length > MaxFrameLength)
        {
            throw new InvalidDataException($"A frame claims {length} bytes; frames are 1 to {MaxFrameLength} bytes.");
        }

        if (buffer.Length - 4 < length)
        {
            return false;
        }

        var body = buffer.Slice(4, length);
        frame = Decode(new SequenceReader<byte>(body));
        buffer = buffer.Slice(body.End);
        return true;
    }

    private static Frame Decode(SequenceReader<byte> reader)
    {
        var type = (FrameType)ReadByte(ref reader);
        switch (type)
        {
            case FrameType.Handshake:
                return new HandshakeFrame((PeerRole)ReadByte(ref reader), ReadString(ref reader), ReadString(ref reader));
            case FrameType.HandshakeAck:
                return new HandshakeAckFrame(ReadByte(ref reader) != 0, ReadString(ref reader), ReadString(ref reader));
            case FrameType.Request:
            {
                var correlationId = ReadInt64(ref reader);
                var hops = ReadByte(ref reader);
                var remainingMs = ReadInt32(ref reader);
                var target = new GrainId(ReadString(ref reader), ReadString(ref reader));
                var interfaceName = ReadString(ref reader);
                var methodId = ReadInt32(ref reader);
                var chainCount = ReadInt32(ref reader);
                if (chainCount < 0 || chainCount > reader.Remaining / 4)
                {
                    throw new InvalidDataException($"A request frame claims a call chain of {chainCount} grains.");
                }

                var chain = new string[chainCount];
                for (var i = 0; i < chain.Length; i++)
                {
                    chain[i] = ReadString(ref reader);
                }

                return new RequestFrame(correlationId, target, interfaceName, methodId, remainingMs, hops, chain, reader.UnreadSequence.ToArray());
            }

            case FrameType.Response:
            {
                var correlationId = ReadInt64(ref reader);
                var failed = ReadByte(ref reader) != 0;
                return new ResponseFrame(correlationId, failed, reader.UnreadSequence.ToArray());
            }

            case FrameType.Ping:
                return PingFrame.Instance;
            case FrameType.Pong:
                return PongFrame.Instance;
            case FrameType.GoAway:
                return GoAwayFrame.Instance;
            case FrameType.GoAwayAck:
                return GoAwayAckFrame.Instance;
            default:
                throw new InvalidDataException($"Unknown frame type {(byte)type}.");
        }
    }

    private delegate void FieldWriter(Span<byte> span);

    private static void WriteHeaderAndFields(IBufferWriter<byte> output, FrameType type, int fieldsLength, int payloadLength, FieldWriter writeFields)
    {
        var frameLength = 1 + fieldsLength + payloadLength;
        if (frameLength > MaxFrameLength)
        {
            throw new InvalidOperationException($"A {type} frame of {frameLength} bytes is larger than the {MaxFrameLength} bytes a frame may have.");
        }

        var span = output.GetSpan(5 + fieldsLength);
        BinaryPrimitives.WriteInt32LittleEndian(span, frameLength);
        span[4] = (byte)type;
        writeFields(span.Slice(5, fieldsLength));
        output.Advance(5 + fieldsLength);
    }

    private static int Size(string value) => 4 + Utf8.GetByteCount(value);

    private static int WriteString(Span<byte> span, string value)
    {
        var written = Utf8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, written);
        return 4 + written;
    }

    private static byte ReadByte(ref SequenceReader<byte> reader)
        => reader.TryRead(out var value) ? value : throw Truncated();

    private static int ReadInt32(ref SequenceReader<byte> reader)
        => reader.TryReadLittleEndian(out int value) ? value : throw Truncated();

    private static long ReadInt64(ref SequenceReader<byte> reader)
        => reader.TryReadLittleEndian(out long value) ? value : throw Truncated();

    private static string ReadString(ref SequenceReader<byte> reader)
    {
        var length = ReadInt32(ref reader);
        if (length < 0 || length > reader.Remaining)
        {
            throw new InvalidDataException($"A string field claims {length} bytes; {reader.Remaining} are left in the frame.");
        }

        string value;
        if (reader.UnreadSpan.Length >= length)
        {
            value = Utf8.GetString(reader.UnreadSpan[..length]);
        }
        else
        {
            value = Utf8.GetString(reader.UnreadSequence.Slice(0, length).ToArray());
        }

        reader.Advance(length);
        return value;
    }

    private static InvalidDataException Truncated() => new("A frame ended in the middle of a field.");
}
