using CsCheck;

namespace OrderActors.Tests.Properties;

/// <summary>
/// Runs a property over cases drawn from a CsCheck generator, deterministically: case <c>i</c> comes from PCG stream
/// <see cref="Stream"/> seeded with <c>i</c>, so CI runs the same cases every time and a failure names the case that
/// reproduces it. To explore beyond them, change <see cref="Stream"/> locally.
/// </summary>
internal static class Cases
{
    public const uint Stream = 11;

    /// <summary>Checks <paramref name="property"/> on <paramref name="count"/> cases; returns how many ran.</summary>
    public static int Check<T>(Gen<T> gen, int count, Action<T> property)
    {
        for (var i = 0; i < count; i++)
        {
            var value = gen.Generate(new PCG(Stream, (ulong)i), null, out _);
            try
            {
                property(value);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Case {i} of stream {Stream} fails: {Describe(value)}\n{ex.Message}", ex);
            }
        }

        return count;
    }

    /// <summary>Checks an asynchronous <paramref name="property"/> on <paramref name="count"/> cases; returns how many ran.</summary>
    public static async Task<int> CheckAsync<T>(Gen<T> gen, int count, Func<T, Task> property)
    {
        for (var i = 0; i < count; i++)
        {
            var value = gen.Generate(new PCG(Stream, (ulong)i), null, out _);
            try
            {
                await property(value);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Case {i} of stream {Stream} fails: {Describe(value)}\n{ex.Message}", ex);
            }
        }

        return count;
    }

    private static string Describe<T>(T value)
        => value is System.Collections.IEnumerable items and not string ? $"[{string.Join(", ", items.Cast<object?>())}]" : $"{value}";
}
