namespace OrderActors.EventLog;

/// <summary>What a filtered read of the log returned: the matching events, and how far the read is complete.</summary>
/// <param name="Entries">The events that matched, in position order.</param>
/// <param name="CompleteThrough">
/// The position the read is complete through: no event that matches and sits at or below it is missing from
/// <paramref name="Entries"/> (or from earlier pages), nor can one appear there later. The last entry's position when the
/// page is full; otherwise the highest position of the whole log, any stream, that the read could see (or the position
/// the read started after, if none is higher). A reader that continues after it misses nothing.
/// </param>
public sealed record EventLogPage(IReadOnlyList<EventLogEntry> Entries, long CompleteThrough);
