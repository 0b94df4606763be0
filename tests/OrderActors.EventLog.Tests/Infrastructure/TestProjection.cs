using System.Collections.Concurrent;
using OrderActors.EventLog;

namespace OrderActors.EventLog.Tests.Infrastructure;

[GenerateSerializer, Alias("test.JournalModel")]
public sealed class JournalModel
{
    [Id(0)] public List<string> Texts { get; set; } = [];
}

[Alias("test.IJournalProjectionGrain")]
public interface IJournalProjectionGrain : IEventLogProjection
{
    /// <summary>The texts applied, in order.</summary>
    [Alias("Texts")] Task<IReadOnlyList<string>> GetTextsAsync();
}

/// <summary>A projection of journal streams; texts listed in <see cref="Failing"/> throw when applied.</summary>
[ImplicitStreamSubscription(TestNames.JournalNamespace)]
[GrainType("test-journal-projection")]
public sealed class JournalProjectionGrain([EventedState("projection", TestNames.Log)] IEventedState<ProjectionState<JournalModel>> state)
    : EventLogProjectionGrain<JournalModel>(state, TestNames.Log), IJournalProjectionGrain
{
    public static readonly ConcurrentDictionary<string, bool> Failing = new(StringComparer.Ordinal);

    protected override string StreamNamespace => TestNames.JournalNamespace;

    protected override TimeSpan RetryDelay(int attempt) => TimeSpan.FromMilliseconds(20);

    public Task<IReadOnlyList<string>> GetTextsAsync() => Task.FromResult<IReadOnlyList<string>>([.. Model.Texts]);

    protected override void Apply(EventLogEntry entry, object? payload)
    {
        var added = (JournalAdded)payload!;
        Model.Texts.Add(added.Text); // changes the model before failing: the retry must start from a clean copy
        if (Failing.ContainsKey(added.Text))
        {
            throw new InvalidOperationException($"cannot apply '{added.Text}'");
        }
    }
}

[GenerateSerializer, Alias("test.JournalFeedModel")]
public sealed class JournalFeedModel
{
    [Id(0)] public List<AppliedEvent> Applied { get; set; } = [];
}

[Alias("test.IJournalFeedGrain")]
public interface IJournalFeedGrain : IEventLogProjection
{
    /// <summary>The journal events applied, in the order applied.</summary>
    [Alias("Applied")] Task<IReadOnlyList<AppliedEvent>> GetAppliedAsync();
}

/// <summary>
/// A namespace projection of every journal stream that only the journal's feed wakes: it catches up once when it
/// activates and would tick again only after an hour.
/// </summary>
[EventLogFeedSubscription(TestNames.JournalNamespace)]
[GrainType("test-journal-feed")]
public sealed class JournalFeedGrain([EventedState("feed", TestNames.Log)] IEventedState<ProjectionState<JournalFeedModel>> state)
    : NamespaceProjectionGrain<JournalFeedModel>(state, TestNames.Log), IJournalFeedGrain
{
    protected override TimeSpan CatchUpPeriod => TimeSpan.FromHours(1);

    public Task<IReadOnlyList<AppliedEvent>> GetAppliedAsync() => Task.FromResult<IReadOnlyList<AppliedEvent>>([.. Model.Applied]);

    protected override void Apply(EventLogEntry entry, object? payload)
    {
        var added = (JournalAdded)payload!;
        Model.Applied.Add(new AppliedEvent(entry.Position, entry.Sequence, added.Text, added.Index));
    }
}

[Alias("test.ILedgerProjectionGrain")]
public interface ILedgerProjectionGrain : IEventLogProjection
{
    /// <summary>The texts applied, in order.</summary>
    [Alias("Texts")] Task<IReadOnlyList<string>> GetTextsAsync();
}

/// <summary>
/// A projection of every ledger stream into one grain (key <see cref="EventLogStreamIdMappers.SingleGrainKey"/>); texts
/// listed in <see cref="Failing"/> throw when applied.
/// </summary>
[EventLogFeedSubscription(TestNames.LedgerNamespace)]
[GrainType("test-ledger-projection")]
public sealed class LedgerProjectionGrain([EventedState("ledger-projection", TestNames.Log)] IEventedState<ProjectionState<JournalModel>> state)
    : NamespaceProjectionGrain<JournalModel>(state, TestNames.Log), ILedgerProjectionGrain
{
    public static readonly ConcurrentDictionary<string, bool> Failing = new(StringComparer.Ordinal);

    protected override TimeSpan RetryDelay(int attempt) => TimeSpan.FromMilliseconds(20);

    public Task<IReadOnlyList<string>> GetTextsAsync() => Task.FromResult<IReadOnlyList<string>>([.. Model.Texts]);

    protected override void Apply(EventLogEntry entry, object? payload)
    {
        var added = (JournalAdded)payload!;
        Model.Texts.Add(added.Text);
        if (Failing.ContainsKey(added.Text))
        {
            throw new InvalidOperationException($"cannot apply '{added.Text}'");
        }
    }
}
