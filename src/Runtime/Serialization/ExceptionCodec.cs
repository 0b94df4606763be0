using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrderActors.Runtime.Serialization;

/// <summary>
/// An exception thrown by a grain whose type could not be rebuilt on the caller's side of a process boundary.
/// </summary>
public sealed class GrainException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainException(string originalType, string message) : base(message) => OriginalType = originalType;

    /// <summary>Creates the exception.</summary>
    public GrainException() { }

    /// <summary>Creates the exception.</summary>
    public GrainException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public GrainException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The full name of the exception type the grain threw.</summary>
    public string? OriginalType { get; }
}

/// <summary>
/// Carries a grain's exception across a process boundary as JSON: its type name and the values of the public
/// properties its most specific constructor takes (matched by name, so <c>DomainException(kind, code, message)</c>
/// keeps its kind and code). A type that cannot be rebuilt arrives as a <see cref="GrainException"/> with the
/// original type name and message. Stack traces stay on the side that threw.
/// </summary>
internal sealed class ExceptionCodec(GrainSerializer serializer)
{
    private static readonly ConcurrentDictionary<Type, ConstructorInfo?> Constructors = new();

    public byte[] Encode(Exception exception)
    {
        var type = exception.GetType();
        var payload = new JsonObject { ["type"] = type.AssemblyQualifiedName, ["message"] = exception.Message };
        var message = exception is ArgumentException { ParamName: { } name } && exception.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? exception.Message[..^$" (Parameter '{name}')".Length] // the constructor appends it again
            : exception.Message;
        if (Constructor(type) is { } constructor)
        {
            var values = new JsonObject();
            foreach (var parameter in constructor.GetParameters())
            {
                var value = parameter.Name!.Equals(nameof(Exception.Message), StringComparison.OrdinalIgnoreCase)
                    ? message
                    : Property(type, parameter.Name!)!.GetValue(exception);
                values[parameter.Name!] = JsonSerializer.SerializeToNode(value, parameter.ParameterType, serializer.Options);
            }

            payload["values"] = values;
        }

        return JsonSerializer.SerializeToUtf8Bytes(payload, serializer.Options);
    }

    public Exception Decode(ReadOnlySpan<byte> json)
    {
        var payload = JsonNode.Parse(json)!.AsObject();
        var typeName = (string?)payload["type"] ?? "unknown";
        var message = (string?)payload["message"] ?? "";
        var type = Type.GetType(typeName, throwOnError: false);
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && Constructor(type) is { } constructor && payload["values"] is JsonObject values)
        {
            try
            {
                var arguments = constructor.GetParameters()
                    .Select(p => values[p.Name!].Deserialize(p.ParameterType, serializer.Options))
                    .ToArray();
                return (Exception)constructor.Invoke(arguments);
            }
            catch (Exception ex) when (ex is JsonException or TargetInvocationException or ArgumentException)
            {
                // fall through: the caller still learns the type and message
            }
        }

        return new GrainException(type?.FullName ?? typeName, message);
    }

    /// <summary>Encodes and decodes; never throws, so a caller always hears about the failure.</summary>
    public Exception RoundTrip(Exception exception)
    {
        try
        {
            return Decode(Encode(exception));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return new GrainException(exception.GetType().FullName ?? "unknown", exception.Message);
        }
    }

    // The constructor with the most parameters that all name a public readable property (Message included).
    private static ConstructorInfo? Constructor(Type type)
        => Constructors.GetOrAdd(type, static t => t.GetConstructors()
            .Where(c => c.GetParameters().Length > 0 && c.GetParameters().All(p => Property(t, p.Name!) is { CanRead: true } property
                && p.ParameterType.IsAssignableFrom(property.PropertyType)
                && p.ParameterType != typeof(Exception) && p.ParameterType != typeof(CancellationToken)))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault());

    private static PropertyInfo? Property(Type type, string name)
        => type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
}
