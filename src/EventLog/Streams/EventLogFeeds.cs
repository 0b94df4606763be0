using System.Globalization;
using Orleans.Runtime;

namespace OrderActors.EventLog;

/// <summary>
/// Namespace feeds: besides each stream's own events, the event-log stream provider delivers, for every namespace,
/// one feed stream per queue that carries what each read of the queue found of that namespace, in position order. A
/// grain that aggregates a whole namespace (a report, a queue, a dispatcher) subscribes to the feed with
/// <see cref="EventLogFeedSubscriptionAttribute"/> and gets one delivery per read of each queue, however many
/// streams the read touched; an implicit subscription to the namespace itself would cost a handshake per new stream
/// and a delivery per stream and write.
/// </summary>
/// <remarks>
/// The feed of namespace <c>orders</c> on queue 3 is the stream <c>feed:orders</c>/<c>3</c>. Feeds are written by the
/// log only; a producer cannot append to one.
/// </remarks>
public static class EventLogFeeds
{
    /// <summary>What a feed's stream namespace starts with, before the namespace it carries.</summary>
    public const string Prefix = "feed:";

    /// <summary>The stream namespace of the feed of <paramref name="streamNamespace"/>.</summary>
    /// <param name="streamNamespace">The namespace the feed carries, e.g. <c>orders</c>.</param>
    public static string NamespaceOf(string streamNamespace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamNamespace);
        return Prefix + streamNamespace;
    }

    /// <summary>The feed stream of <paramref name="streamNamespace"/> on queue <paramref name="queue"/>.</summary>
    internal static StreamId Of(string streamNamespace, int queue)
        => StreamId.Create(NamespaceOf(streamNamespace), queue.ToString(CultureInfo.InvariantCulture));

    /// <summary>Whether <paramref name="stream"/> is a feed, and of which queue.</summary>
    internal static bool IsFeed(StreamId stream, out int queue)
    {
        queue = -1;
        return stream.GetNamespace() is { } ns && ns.StartsWith(Prefix, StringComparison.Ordinal)
            && int.TryParse(stream.GetKeyAsString(), NumberStyles.None, CultureInfo.InvariantCulture, out queue);
    }
}

/// <summary>
/// Subscribes a grain to the feed of a namespace (<see cref="EventLogFeeds"/>): the feeds of every queue wake the one
/// activation keyed <see cref="EventLogStreamIdMappers.SingleGrainKey"/>. Use it on a
/// <see cref="NamespaceProjectionGrain{TModel}"/>, once per namespace it reads:
/// <c>[EventLogFeedSubscription("orders")]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class EventLogFeedSubscriptionAttribute : ImplicitStreamSubscriptionAttribute
{
    /// <summary>Subscribes to the feed of <paramref name="streamNamespace"/>.</summary>
    /// <param name="streamNamespace">The namespace whose events the grain aggregates.</param>
    public EventLogFeedSubscriptionAttribute(string streamNamespace)
        : base(EventLogFeeds.NamespaceOf(streamNamespace), EventLogStreamIdMappers.SingleGrain)
    {
        StreamNamespace = streamNamespace;
    }

    /// <summary>The namespace whose events the grain aggregates.</summary>
    public string StreamNamespace { get; }
}
