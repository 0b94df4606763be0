using System.Globalization;

namespace OrderActors.Benchmarks;

/// <summary>
/// A subcommand's <c>--name value</c> pairs (a flag alone means <c>true</c>). Options are taken one by one, and
/// <see cref="EnsureAllTaken"/> refuses whatever no one took, so a misspelt option fails the run instead of being ignored.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Reads the pairs; throws <see cref="ArgumentException"/> on anything that is not one.</summary>
    public CommandLine(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[args[i][2..]] = hasValue ? args[++i] : "true";
        }
    }

    /// <summary>The value of <c>--<paramref name="name"/></c>, or null when it was not given.</summary>
    public string? Take(string name) => _values.Remove(name, out var value) ? value : null;

    /// <summary>The integer value of <c>--<paramref name="name"/></c>, or <paramref name="fallback"/>; at least <paramref name="min"/>.</summary>
    public int Int(string name, int fallback, int min)
    {
        var value = Take(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return value >= min ? value : throw new ArgumentException($"--{name} is {value}; it must be at least {min}.");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the options nothing took.</summary>
    public void EnsureAllTaken()
    {
        if (_values.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", _values.Keys.Select(k => "--" + k))}.");
        }
    }
}
