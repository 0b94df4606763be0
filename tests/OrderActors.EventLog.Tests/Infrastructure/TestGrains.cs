using OrderActors.EventLog;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrderActors.EventLog.Tests.Infrastructure;

public static class TestNames
{
    public const string Log = "log";
    public const string JournalNamespace = "journal";
    public const string LedgerNamespace = "ledger";
    public const string TableStore = "tables";
}

/// <summary>An event of a journal stream.</summary>
[GenerateSerializer, Immutable, Alias("test.JournalAdded")]
public sealed record JournalAdded([property: Id(0)] string Journal, [property: Id(1)] string Text, [property: Id(2)] int Index);

[GenerateSerializer, Alias("test.JournalState")]
public sealed class JournalState
{
    [Id(0)] public List<string> Entries { get; set; } = [];
}

/// <summary>A grain that changes its state and appends events to its own journal stream in the same write.</summary>
[Alias("test.IJournalGrain")]
public interface IJournalGrain : IGrainWithStringKey
{
    /// <summary>Adds an entry and appends <paramref name="events"/> events for it; returns the ETag after the write.</summary>
    [Alias("Add")] Task<string?> AddAsync(string text, int events);

    /// <summary>The entries the state holds.</summary>
    [Alias("Get")] Task<IReadOnlyList<string>> GetAsync();

    /// <summary>Appends events but fails before writing: nothing must reach the log.</summary>
    [Alias("AppendWithoutWrite")] Task AppendWithoutWriteAsync(string text);
}

[GrainType("test-journal")]
public sealed class JournalGrain([EventedState("journal", TestNames.Log)] IEventedState<JournalState> journal) : Grain, IJournalGrain
{
    public async Task<string?> AddAsync(string text, int events)
    {
        journal.State.Entries.Add(text);
        var stream = StreamId.Create(TestNames.JournalNamespace, this.GetPrimaryKeyString());
        for (var i = 0; i < events; i++)
        {
            journal.Append(stream, "journal.added", new JournalAdded(this.GetPrimaryKeyString(), text, i));
        }

        await journal.WriteStateAsync();
        return journal.Etag;
    }

    public Task<IReadOnlyList<string>> GetAsync() => Task.FromResult<IReadOnlyList<string>>([.. journal.State.Entries]);

    public Task AppendWithoutWriteAsync(string text)
    {
        journal.Append(StreamId.Create(TestNames.JournalNamespace, this.GetPrimaryKeyString()), "journal.added", new JournalAdded(this.GetPrimaryKeyString(), text, 0));
        throw new InvalidOperationException("failed before the write");
    }
}

[GenerateSerializer, Immutable, Alias("test.AppliedEvent")]
public sealed record AppliedEvent([property: Id(0)] long Position, [property: Id(1)] long StreamSequence, [property: Id(2)] string Text, [property: Id(3)] int Index);

[GenerateSerializer, Alias("test.ReaderState")]
public sealed class ReaderState
{
    [Id(0)] public long Checkpoint { get; set; }
    [Id(1)] public List<AppliedEvent> Applied { get; set; } = [];
}

[Alias("test.IJournalReaderGrain")]
public interface IJournalReaderGrain : IGrainWithStringKey
{
    /// <summary>The events applied, in the order applied.</summary>
    [Alias("Applied")] Task<IReadOnlyList<AppliedEvent>> GetAppliedAsync();

    /// <summary>How many deliveries were repeats the checkpoint filtered out.</summary>
    [Alias("Repeats")] Task<int> GetRepeatsAsync();
}

/// <summary>An implicit subscriber of journal streams that keeps its checkpoint in its own state.</summary>
[ImplicitStreamSubscription(TestNames.JournalNamespace)]
[GrainType("test-journal-reader")]
public sealed class JournalReaderGrain([EventedState("reader", TestNames.Log)] IEventedState<ReaderState> reader)
    : Grain, IJournalReaderGrain, IStreamSubscriptionObserver, IAsyncObserver<JournalAdded>
{
    private int _repeats;

    public Task<IReadOnlyList<AppliedEvent>> GetAppliedAsync() => Task.FromResult<IReadOnlyList<AppliedEvent>>([.. reader.State.Applied]);

    public Task<int> GetRepeatsAsync() => Task.FromResult(_repeats);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
        => await handleFactory.Create<JournalAdded>().ResumeAsync(this);

    public async Task OnNextAsync(JournalAdded item, StreamSequenceToken? token = null)
    {
        var position = ((EventLogSequenceToken)token!).Position;
        if (position <= reader.State.Checkpoint)
        {
            _repeats++;
            return;
        }

        reader.State.Applied.Add(new AppliedEvent(position, ((EventLogSequenceToken)token).StreamSequence, item.Text, item.Index));
        reader.State.Checkpoint = position;
        await reader.WriteStateAsync();
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}

/// <summary>An entry of <see cref="TallyState"/>: mutable, so a test can change one in place.</summary>
public sealed class Tally
{
    public int Count { get; set; }
}

/// <summary>A state with a head and a table, on the event-log grain storage.</summary>
public sealed class TallyState
{
    public string Note { get; set; } = "";

    public StateTable<Tally> Tallies { get; set; } = new();
}

/// <summary>A grain whose state keeps its entries in a <see cref="StateTable{TValue}"/>.</summary>
[Alias("test.ITallyGrain")]
public interface ITallyGrain : IGrainWithStringKey
{
    /// <summary>Sets <paramref name="key"/> to <paramref name="count"/> and writes.</summary>
    [Alias("Set")] Task SetAsync(string key, int count);

    /// <summary>Adds one to <paramref name="key"/> in place (through the indexer) and writes.</summary>
    [Alias("Bump")] Task BumpAsync(string key);

    /// <summary>Removes <paramref name="key"/> and writes.</summary>
    [Alias("Remove")] Task RemoveAsync(string key);

    /// <summary>Replaces the whole table with a new one holding <paramref name="counts"/>, and the note, and writes.</summary>
    [Alias("Replace")] Task ReplaceAsync(Dictionary<string, int> counts, string note);

    /// <summary>The note and the counts the state holds.</summary>
    [Alias("Get")] Task<(string Note, Dictionary<string, int> Counts)> GetAsync();
}

[GrainType("test-tally")]
public sealed class TallyGrain([PersistentState("tally", TestNames.TableStore)] IPersistentState<TallyState> tally) : Grain, ITallyGrain
{
    public Task SetAsync(string key, int count)
    {
        tally.State.Tallies[key] = new Tally { Count = count };
        return tally.WriteStateAsync();
    }

    public Task BumpAsync(string key)
    {
        tally.State.Tallies[key].Count++;
        return tally.WriteStateAsync();
    }

    public Task RemoveAsync(string key)
    {
        tally.State.Tallies.Remove(key);
        return tally.WriteStateAsync();
    }

    public Task ReplaceAsync(Dictionary<string, int> counts, string note)
    {
        var table = new StateTable<Tally>();
        foreach (var (key, count) in counts)
        {
            table[key] = new Tally { Count = count };
        }

        tally.State = new TallyState { Note = note, Tallies = table };
        return tally.WriteStateAsync();
    }

    public Task<(string Note, Dictionary<string, int> Counts)> GetAsync()
        => Task.FromResult((tally.State.Note, tally.State.Tallies.ToDictionary(t => t.Key, t => t.Value.Count)));
}

/// <summary>A state whose table is paged, with a tiny resident count so that tests see rows leave memory.</summary>
public sealed class PagedTallyState
{
    public string Note { get; set; } = "";

    [PagedStateTable(ResidentRows = 2)]
    public StateTable<Tally> Tallies { get; set; } = new();
}

/// <summary>A grain over a paged <see cref="StateTable{TValue}"/>.</summary>
[Alias("test.IPagedTallyGrain")]
public interface IPagedTallyGrain : IGrainWithStringKey
{
    /// <summary>Loads the keys, sets them and writes (or leaves the change unwritten).</summary>
    [Alias("Set")] Task SetAsync(Dictionary<string, int> counts, bool write = true);

    /// <summary>Loads the key, removes it and writes (or leaves the change unwritten).</summary>
    [Alias("Remove")] Task<bool> RemoveAsync(string key, bool write = true);

    /// <summary>Clears the table and writes.</summary>
    [Alias("Clear")] Task ClearAsync();

    /// <summary>Loads the keys and answers what each holds (absent keys are left out).</summary>
    [Alias("Get")] Task<Dictionary<string, int>> GetAsync(string[] keys);

    /// <summary>Looks a key up without loading it first.</summary>
    [Alias("PeekUnloaded")] Task<int?> PeekUnloadedAsync(string key);

    /// <summary>Reads the whole table page by page in key order.</summary>
    [Alias("Pages")] Task<List<KeyValuePair<string, int>>> ReadPagesAsync(int limit, bool descending);
}

[GrainType("test-paged-tally")]
public sealed class PagedTallyGrain([PersistentState("paged-tally", TestNames.TableStore)] IPersistentState<PagedTallyState> tally) : Grain, IPagedTallyGrain
{
    public async Task SetAsync(Dictionary<string, int> counts, bool write = true)
    {
        await tally.State.Tallies.LoadAsync(counts.Keys);
        foreach (var (key, count) in counts)
        {
            if (tally.State.Tallies.TryGetValue(key, out var existing))
            {
                existing.Count = count;
            }
            else
            {
                tally.State.Tallies.Add(key, new Tally { Count = count });
            }
        }

        if (write)
        {
            await tally.WriteStateAsync();
        }
    }

    public async Task<bool> RemoveAsync(string key, bool write = true)
    {
        await tally.State.Tallies.LoadAsync([key]);
        var removed = tally.State.Tallies.Remove(key);
        if (write)
        {
            await tally.WriteStateAsync();
        }

        return removed;
    }

    public Task ClearAsync()
    {
        tally.State.Tallies.Clear();
        return tally.WriteStateAsync();
    }

    public async Task<Dictionary<string, int>> GetAsync(string[] keys)
    {
        await tally.State.Tallies.LoadAsync(keys);
        return keys.Where(k => tally.State.Tallies.Peek(k, out _)).ToDictionary(k => k, k => tally.State.Tallies.Peek(k, out var t) ? t.Count : 0);
    }

    public Task<int?> PeekUnloadedAsync(string key) => Task.FromResult(tally.State.Tallies.Peek(key, out var t) ? t.Count : (int?)null);

    public async Task<List<KeyValuePair<string, int>>> ReadPagesAsync(int limit, bool descending)
    {
        var all = new List<KeyValuePair<string, int>>();
        string? after = null;
        do
        {
            var page = await tally.State.Tallies.ReadPageAsync(after, limit, descending);
            all.AddRange(page.Entries.Select(e => KeyValuePair.Create(e.Key, e.Value.Count)));
            after = page.Next;
        }
        while (after is not null);

        return all;
    }
}
