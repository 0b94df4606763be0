namespace OrderActors.Runtime;

/// <summary>Identifies a grain: its type name and its key, written <c>type/key</c>.</summary>
/// <param name="Type">The grain type name (see <see cref="GrainTypeAttribute"/>).</param>
/// <param name="Key">The primary key.</param>
public readonly record struct GrainId(string Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";

    /// <summary>Parses the <c>type/key</c> form written by <see cref="ToString"/>.</summary>
    public static GrainId Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1)
        {
            throw new FormatException($"'{value}' is not a grain id of the form type/key.");
        }

        return new GrainId(value[..slash], value[(slash + 1)..]);
    }
}
