namespace OrderActors.Grains.Events;

/// <summary>Names a stream of the event log in messages: a namespace (e.g. <c>orders</c>) and a key within it.</summary>
/// <param name="Namespace">The stream's namespace.</param>
/// <param name="Key">The stream's key, e.g. an order id.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.StreamRef")]
public readonly record struct StreamRef(string Namespace, string Key)
{
    /// <summary><c>{namespace}/{key}</c>.</summary>
    public override string ToString() => $"{Namespace}/{Key}";
}
