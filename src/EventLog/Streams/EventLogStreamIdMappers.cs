using System.Text;
using Orleans.Metadata;
using Orleans.Runtime;
using Orleans.Streams;

namespace OrderActors.EventLog;

/// <summary>Stream-id mappers for implicit subscriptions to the event log.</summary>
public static class EventLogStreamIdMappers
{
    /// <summary>
    /// The name of the mapper that sends every stream of a namespace to one grain, keyed <see cref="SingleGrainKey"/>.
    /// <see cref="EventLogFeedSubscriptionAttribute"/> uses it for the feeds of all queues; on a namespace of many
    /// streams prefer a feed to <c>[ImplicitStreamSubscription("orders", EventLogStreamIdMappers.SingleGrain)]</c>,
    /// which costs a handshake per stream and a delivery per stream and write.
    /// </summary>
    public const string SingleGrain = "orderactors-single-grain";

    /// <summary>The key of the grain <see cref="SingleGrain"/> maps every stream to.</summary>
    public const string SingleGrainKey = "all";

    internal sealed class SingleGrainMapper : IStreamIdMapper
    {
        private static readonly IdSpan Key = new(Encoding.UTF8.GetBytes(SingleGrainKey));

        public IdSpan GetGrainKeyId(GrainBindings grainBindings, StreamId streamId) => Key;
    }
}
