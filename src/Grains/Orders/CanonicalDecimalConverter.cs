using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderActors.Grains.Orders;

/// <summary>
/// Writes a decimal without trailing zeros, so that request fingerprints depend on the amount and not on how the
/// client wrote it: <c>19.9</c>, <c>19.90</c> and <c>1.99e1</c> fingerprint alike.
/// </summary>
internal sealed class CanonicalDecimalConverter : JsonConverter<decimal>
{
    // Dividing by one with 28 zero decimals gives the value with the smallest scale that represents it exactly.
    private const decimal One = 1.0000000000000000000000000000m;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value / One);
}
