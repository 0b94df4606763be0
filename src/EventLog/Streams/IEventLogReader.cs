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

    /// <summary>
    /// Events of the streams of <paramref name="namespaces"/> after <paramref name="afterPosition"/>, in position
    /// order, at most <paramref name="limit"/>, and the position the read is complete through.
    /// </summary>
    /// <param name="namespaces">The stream namespaces to read; the database skips every other event.</param>
    /// <param name="afterPosition">The position to read after (0: from the start of the log).</param>
    /// <param name="limit">The most events to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events, and <see cref="EventLogPage.CompleteThrough"/>: where to continue from.</returns>
    /// <remarks>
    /// A reader that continued only after its last entry would have the database pass over the same events of other
    /// namespaces on every call, and could not tell that it is up to date. <see cref="EventLogPage.CompleteThrough"/>
    /// moves past them: when nothing more matches it reaches the log's head as far as <see cref="ReadAllAsync"/> could
    /// read, and no event at or below it that the read did not return can appear later.
    /// </remarks>
    Task<EventLogPage> ReadNamespacesAsync(IReadOnlyCollection<string> namespaces, long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>Events of one stream after <paramref name="afterSequence"/>, in sequence order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EventLogEntry>> ReadStreamAsync(string streamNamespace, string streamKey, long afterSequence, int limit, CancellationToken cancellationToken = default);
}
