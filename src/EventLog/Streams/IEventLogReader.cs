namespace OrderActors.EventLog;

/// <summary>
/// Reads the event log directly, for feeds, catch-up and rebuilds. Every event a reader returns was committed, and no
/// event committed later can ever sort before it: a reader that continues after the last position it saw never
/// misses one.
/// </summary>
public interface IEventLogReader
{
    /// <summary>Events of every stream after <paramref name="afterPosition"/>, in position order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EventLogEntry>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>Events of one stream after <paramref name="afterSequence"/>, in sequence order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EventLogEntry>> ReadStreamAsync(string streamNamespace, string streamKey, long afterSequence, int limit, CancellationToken cancellationToken = default);
}
