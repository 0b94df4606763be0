using System.Text;
using Orleans.Runtime;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Maps each stream to one of the log's queues by a stable hash of its namespace and key (FNV-1a), the same in every
/// process and release: the queue is stored with each event, and the receiver of a queue reads only its rows.
/// Queues sit evenly around Orleans' consistent ring, so its queue balancer spreads them over the silos. A namespace
/// feed (<see cref="EventLogFeeds"/>) lives on the queue its key names: each queue's receiver writes its own.
/// </summary>
internal sealed class EventLogQueueMapper(string providerName, int queueCount) : IConsistentRingStreamQueueMapper
{
    private readonly QueueId[] _queues = Enumerable.Range(0, queueCount)
        .Select(i => QueueId.GetQueueId(providerName, (uint)i, (uint)((ulong)i * (1UL << 32) / (ulong)queueCount)))
        .ToArray();

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) => _queues.Where(q => range.InRange(q.GetUniformHashCode()));

    public QueueId GetQueueForStream(StreamId streamId)
        => _queues[EventLogFeeds.IsFeed(streamId, out var queue) && queue < queueCount ? queue : QueueOf(streamId, queueCount)];

    public static int QueueOf(StreamId stream, int queueCount)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes($"{stream.GetNamespace()}/{stream.GetKeyAsString()}"))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)queueCount);
    }

    /// <summary>The queue number of a queue id this mapper made.</summary>
    public static int QueueNumber(QueueId queueId) => (int)queueId.GetNumericId();
}
