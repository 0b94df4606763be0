using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Messaging;

namespace OrderActors.Runtime.Serialization;

/// <summary>
/// The one JSON configuration used for grain state, call arguments and results: camelCase, enums as
/// strings, source-generated type metadata first (contexts registered with
/// <see cref="SiloOptions.JsonContexts"/>), reflection for anything they do not cover.
/// </summary>
public sealed class GrainSerializer
{
    /// <summary>Creates the serializer with the given source-generated contexts.</summary>
    public GrainSerializer(IEnumerable<IJsonTypeInfoResolver> contexts)
    {
        Options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([.. contexts, new DefaultJsonTypeInfoResolver()]),
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            RespectNullableAnnotations = false,
        };
        Options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        Options.MakeReadOnly();
    }

    /// <summary>The options; read-only.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>Serializes a value as UTF-8 JSON.</summary>
    public byte[] Serialize(object? value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, Options);

    /// <summary>Deserializes UTF-8 JSON.</summary>
    public object? Deserialize(ReadOnlySpan<byte> json, Type type) => JsonSerializer.Deserialize(json, type, Options);
}

/// <summary>Encodes a call's arguments and result as they would cross a process boundary.</summary>
internal sealed class MessageCodec(GrainSerializer serializer)
{
    public ExceptionCodec Exceptions { get; } = new(serializer);

    public byte[] EncodeArguments(GrainMethod method, object?[] arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < method.ParameterTypes.Length; i++)
            {
                JsonSerializer.Serialize(writer, arguments[i], method.ParameterTypes[i], serializer.Options);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public object?[] DecodeArguments(GrainMethod method, ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Arguments of {method.Name} are not a JSON array.");
        }

        var arguments = new object?[method.ParameterTypes.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            reader.Read();
            arguments[i] = JsonSerializer.Deserialize(ref reader, method.ParameterTypes[i], serializer.Options);
        }

        return arguments;
    }

    public byte[] EncodeResult(GrainMethod method, object? result)
        => method.ResultType is null ? [] : serializer.Serialize(result, method.ResultType);

    public object? DecodeResult(GrainMethod method, ReadOnlySpan<byte> payload)
        => method.ResultType is null ? null : serializer.Deserialize(payload, method.ResultType);

    public object?[] RoundTripArguments(GrainMethod method, object?[] arguments)
        => method.ParameterTypes.Length == 0 ? arguments : DecodeArguments(method, EncodeArguments(method, arguments));

    public object? RoundTripResult(GrainMethod method, object? result)
        => DecodeResult(method, EncodeResult(method, result));
}
