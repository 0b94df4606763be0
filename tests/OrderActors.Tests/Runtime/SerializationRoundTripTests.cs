using System.Collections;
using System.Reflection;
using System.Text.Json;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Runtime;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Serialization;

namespace OrderActors.Tests.Runtime;

/// <summary>
/// Every grain interface method's arguments and result survive the serializer that carries them across a
/// process boundary: a populated sample of each type is encoded, decoded and encoded again to the same JSON.
/// </summary>
public sealed class SerializationRoundTripTests
{
    private static readonly GrainSerializer Serializer = new([GrainsJsonContext.Default]);
    private static readonly MessageCodec Codec = new(Serializer);

    public static TheoryData<string> Methods()
    {
        var data = new TheoryData<string>();
        foreach (var grainInterface in GrainInterfaceTypes())
        {
            foreach (var method in GrainInterfaces.Get(grainInterface).Methods)
            {
                data.Add($"{grainInterface.FullName}|{method.Id}");
            }
        }

        return data;
    }

    private static IEnumerable<Type> GrainInterfaceTypes()
        => typeof(IOrderGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t))
            .Append(typeof(IRemindable));

    [Fact]
    public void Every_domain_grain_interface_is_covered() => Assert.True(Methods().Count >= 6, "expected the inventory and order grain methods");

    [Theory]
    [MemberData(nameof(Methods))]
    public void Arguments_and_result_round_trip(string methodKey)
    {
        var (interfaceName, id) = (methodKey.Split('|')[0], int.Parse(methodKey.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture));
        var method = GrainInterfaces.Get(GrainInterfaceTypes().Single(t => t.FullName == interfaceName)).Methods[id];

        var arguments = method.ParameterTypes.Select(t => Samples.Create(t, 0)).ToArray();
        var encoded = Codec.EncodeArguments(method, arguments);
        var decoded = Codec.DecodeArguments(method, encoded);
        Assert.Equal(Json(encoded), Json(Codec.EncodeArguments(method, decoded)));
        for (var i = 0; i < arguments.Length; i++)
        {
            Assert.IsAssignableFrom(method.ParameterTypes[i], decoded[i]);
        }

        if (method.ResultType is { } resultType)
        {
            var result = Samples.Create(resultType, 0);
            var encodedResult = Codec.EncodeResult(method, result);
            Assert.Equal(Json(encodedResult), Json(Codec.EncodeResult(method, Codec.DecodeResult(method, encodedResult))));
            Assert.DoesNotContain("null", Json(encodedResult), StringComparison.Ordinal); // samples are fully populated
        }
    }

    [Fact]
    public void Enums_travel_as_snake_case_strings()
        => Assert.Equal("\"partially_shipped\"", System.Text.Encoding.UTF8.GetString(Serializer.Serialize(SampleEnum.PartiallyShipped, typeof(SampleEnum))));

    private enum SampleEnum
    {
        PartiallyShipped,
    }

    private static string Json(byte[] bytes) => JsonDocument.Parse(bytes).RootElement.GetRawText();

    /// <summary>Builds a fully populated instance of a message type: every property set, every list non-empty.</summary>
    private static class Samples
    {
        // Deep enough for an order with its tickets and their messages (PlaceOrderResult → … → Actor → string); it only guards against recursion.
        public static object? Create(Type type, int depth)
        {
            if (depth > 8)
            {
                throw new InvalidOperationException($"Sample for {type} is too deep.");
            }

            var underlying = Nullable.GetUnderlyingType(type);
            if (underlying is not null)
            {
                return Create(underlying, depth);
            }

            if (type == typeof(string))
            {
                return "s";
            }

            if (type == typeof(int))
            {
                return 3;
            }

            if (type == typeof(long))
            {
                return 3L;
            }

            if (type == typeof(decimal))
            {
                return 12.34m;
            }

            if (type == typeof(double))
            {
                return 0.125;
            }

            if (type == typeof(DateOnly))
            {
                return new DateOnly(2026, 5, 4);
            }

            if (type == typeof(bool))
            {
                return true;
            }

            if (type == typeof(DateTimeOffset))
            {
                return new DateTimeOffset(2026, 5, 4, 3, 2, 1, TimeSpan.Zero);
            }

            if (type == typeof(TimeSpan))
            {
                return TimeSpan.FromMinutes(5);
            }

            if (type == typeof(Guid))
            {
                return Guid.Parse("6b1f0e1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b");
            }

            if (type.IsEnum)
            {
                return Enum.GetValues(type).Cast<object>().Last();
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
                && (definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>)))
            {
                var element = type.GetGenericArguments()[0];
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                list.Add(Create(element, depth + 1));
                return list;
            }

            if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Dictionary<,>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))
            {
                var args = type.GetGenericArguments();
                var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
                dictionary.Add(Create(args[0], depth + 1)!, Create(args[1], depth + 1));
                return dictionary;
            }

            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                ?? throw new InvalidOperationException($"No public constructor on {type}.");
            var instance = constructor.Invoke(constructor.GetParameters().Select(p => Create(p.ParameterType, depth + 1)).ToArray());
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetValue(instance) is null))
            {
                property.SetValue(instance, Create(property.PropertyType, depth + 1));
            }

            return instance;
        }
    }
}
