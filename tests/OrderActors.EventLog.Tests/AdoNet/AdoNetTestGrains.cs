using System.Collections.Concurrent;
using Orleans.Runtime;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>The grain storage provider names the persistence tests register.</summary>
public static class AdoNetStores
{
    /// <summary>Clearing keeps the row with a NULL payload (ClearStorageKey).</summary>
    public const string KeepOnClear = "adonet-keep";

    /// <summary>Clearing deletes the row (DeleteStateOnClear, DeleteStorageKey).</summary>
    public const string DeleteOnClear = "adonet-delete";
}

[GenerateSerializer, Alias("OrderActors.EventLog.Tests.AdoNet.NoteState")]
public sealed class NoteState
{
    [Id(0)] public string? Text { get; set; }

    [Id(1)] public int Edits { get; set; }
}

[GenerateSerializer, Alias("OrderActors.EventLog.Tests.AdoNet.NoteSnapshot")]
public sealed record NoteSnapshot([property: Id(0)] string? Text, [property: Id(1)] int Edits, [property: Id(2)] string? ETag, [property: Id(3)] bool RecordExists);

/// <summary>A grain with one persistent state, as plain as Orleans' storage contract gets.</summary>
[Alias("OrderActors.EventLog.Tests.AdoNet.INoteGrain")]
public interface INoteGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<NoteSnapshot> Get();

    [Alias("Set")] Task<NoteSnapshot> Set(string text);

    [Alias("Clear")] Task<NoteSnapshot> Clear();

    /// <summary>Reads the state from storage again, as a fresh activation would.</summary>
    [Alias("Reload")] Task<NoteSnapshot> Reload();

    [Alias("Deactivate")] Task Deactivate();
}

/// <summary>The same note on the provider that deletes on clear.</summary>
[Alias("OrderActors.EventLog.Tests.AdoNet.IDeletingNoteGrain")]
public interface IDeletingNoteGrain : IGrainWithStringKey
{
    [Alias("Set")] Task<NoteSnapshot> Set(string text);

    [Alias("Clear")] Task<NoteSnapshot> Clear();

    [Alias("Reload")] Task<NoteSnapshot> Reload();
}

[Alias("OrderActors.EventLog.Tests.AdoNet.IIntegerNoteGrain")]
public interface IIntegerNoteGrain : IGrainWithIntegerKey
{
    [Alias("Set")] Task<NoteSnapshot> Set(string text);

    [Alias("Reload")] Task<NoteSnapshot> Reload();
}

[Alias("OrderActors.EventLog.Tests.AdoNet.IGuidNoteGrain")]
public interface IGuidNoteGrain : IGrainWithGuidCompoundKey
{
    [Alias("Set")] Task<NoteSnapshot> Set(string text);

    [Alias("Reload")] Task<NoteSnapshot> Reload();
}

public abstract class NoteGrainBase(IPersistentState<NoteState> note) : Grain
{
    public Task<NoteSnapshot> Get() => Task.FromResult(Snapshot());

    public async Task<NoteSnapshot> Set(string text)
    {
        note.State.Text = text;
        note.State.Edits++;
        await note.WriteStateAsync();
        return Snapshot();
    }

    public async Task<NoteSnapshot> Clear()
    {
        await note.ClearStateAsync();
        return Snapshot();
    }

    public async Task<NoteSnapshot> Reload()
    {
        await note.ReadStateAsync();
        return Snapshot();
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private NoteSnapshot Snapshot() => new(note.State.Text, note.State.Edits, note.Etag, note.RecordExists);
}

public sealed class NoteGrain([PersistentState("note", AdoNetStores.KeepOnClear)] IPersistentState<NoteState> note)
    : NoteGrainBase(note), INoteGrain;

public sealed class DeletingNoteGrain([PersistentState("deleting-note", AdoNetStores.DeleteOnClear)] IPersistentState<NoteState> note)
    : NoteGrainBase(note), IDeletingNoteGrain;

public sealed class IntegerNoteGrain([PersistentState("integer-note", AdoNetStores.KeepOnClear)] IPersistentState<NoteState> note)
    : NoteGrainBase(note), IIntegerNoteGrain;

public sealed class GuidNoteGrain([PersistentState("guid-note", AdoNetStores.KeepOnClear)] IPersistentState<NoteState> note)
    : NoteGrainBase(note), IGuidNoteGrain;

/// <summary>Registers reminders and counts their ticks (in <see cref="Ticks"/>, which outlives activations).</summary>
[Alias("OrderActors.EventLog.Tests.AdoNet.IReminderGrain")]
public interface IReminderGrain : IGrainWithStringKey
{
    [Alias("Register")] Task Register(string name, TimeSpan dueTime, TimeSpan period);

    /// <summary>The reminder's name if the grain has it.</summary>
    [Alias("Get")] Task<string?> Get(string name);

    [Alias("List")] Task<string[]> List();

    [Alias("Unregister")] Task Unregister(string name);
}

public sealed class ReminderGrain : Grain, IReminderGrain, IRemindable
{
    private static readonly ConcurrentDictionary<string, ReminderTicks> TicksByKey = new();

    /// <summary>The ticks received by the reminder grain with this key, in any activation on any silo of the process.</summary>
    public static ReminderTicks Ticks(string key) => TicksByKey.GetOrAdd(key, _ => new ReminderTicks());

    public async Task Register(string name, TimeSpan dueTime, TimeSpan period)
        => await this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task<string?> Get(string name) => (await this.GetReminder(name))?.ReminderName;

    public async Task<string[]> List()
        => [.. (await this.GetReminders()).Select(r => r.ReminderName).Order(StringComparer.Ordinal)];

    public async Task Unregister(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks(this.GetPrimaryKeyString()).Add(reminderName);
        return Task.CompletedTask;
    }
}

/// <summary>Reminder ticks received, by reminder name, with a way to wait for the n-th.</summary>
public sealed class ReminderTicks
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<(string Name, int Count, TaskCompletionSource Reached)> _waiters = [];

    public int Count(string name)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(name);
        }
    }

    public void Add(string name)
    {
        lock (_gate)
        {
            var count = _counts[name] = _counts.GetValueOrDefault(name) + 1;
            foreach (var waiter in _waiters.Where(w => w.Name == name && w.Count <= count).ToArray())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public Task WaitForAsync(string name, int count, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_counts.GetValueOrDefault(name) >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((name, count, reached));
            return reached.Task.WaitAsync(timeout);
        }
    }
}

/// <summary>Says which silo it runs on: the clustering tests call it through a client.</summary>
[Alias("OrderActors.EventLog.Tests.AdoNet.IWhereGrain")]
public interface IWhereGrain : IGrainWithIntegerKey
{
    [Alias("Where")] Task<string> Where();
}

public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());
}
