namespace OrderActors.Runtime;

/// <summary>
/// Declares the stream namespaces a consumer grain class reads (like Orleans' implicit subscriptions): the silo
/// delivers every event of those namespaces, in global position order, to the grain of that class with key
/// <see cref="StreamSubscriptionAttribute.ConsumerKey"/>.
/// </summary>
/// <param name="namespaces">The namespaces, e.g. <c>orders</c>.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StreamSubscriptionAttribute(params string[] namespaces) : Attribute
{
    /// <summary>The key of the consumer grain that receives the events.</summary>
    public const string ConsumerKey = "default";

    /// <summary>The namespaces read.</summary>
    public IReadOnlyList<string> Namespaces { get; } = namespaces;
}

/// <summary>
/// A grain that consumes streams. Delivery is at least once, in order; the consumer stores its checkpoint with its
/// own state, so it applies each event exactly once.
/// </summary>
public interface IStreamConsumer : IGrainWithStringKey
{
    /// <summary>The global position of the last event applied.</summary>
    Task<long> GetCheckpointAsync();

    /// <summary>
    /// Applies <paramref name="events"/>, read from the feed after position <paramref name="after"/> up to
    /// <paramref name="upTo"/> (events at or before the checkpoint are repeats and ignored), and returns how far the
    /// consumer has now read. If <paramref name="after"/> lies beyond what the consumer holds (it was reset, or lost
    /// an unwritten position), nothing is applied and the consumer's position is returned, so the caller reads again
    /// from there instead of leaving a gap. Throws if an event cannot be applied; nothing is then recorded.
    /// </summary>
    Task<long> ApplyAsync(IReadOnlyList<StreamEvent> events, long after, long upTo);

    /// <summary>Moves past a poison event at <paramref name="position"/> without applying it, and remembers that it did.</summary>
    Task SkipAsync(long position, string reason);

    /// <summary>Forgets everything applied, so the consumer rebuilds from the beginning of the streams.</summary>
    Task ResetAsync();
}

/// <summary>What a projection stores: its model, its checkpoint, and the events an admin skipped.</summary>
/// <typeparam name="TModel">The projection's model.</typeparam>
public sealed record ProjectionState<TModel> where TModel : new()
{
    /// <summary>The global position of the last event applied.</summary>
    public long Checkpoint { get; set; }

    /// <summary>The model built from the events.</summary>
    public TModel Model { get; set; } = new();

    /// <summary>Events skipped by an admin, with why.</summary>
    public List<SkippedEvent> Skipped { get; set; } = [];
}

/// <summary>An event a projection did not apply because an admin skipped it.</summary>
public sealed record SkippedEvent(long Position, string Reason, DateTimeOffset At);
