using System.Text;
using OrderActors.Runtime;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Reminders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Storage;

/// <summary>
/// The contract of <see cref="IGrainStorage"/> and <see cref="IReminderTable"/>, run against every provider:
/// each test gets fresh, initialized storage (a new SQLite file, a new PostgreSQL database).
/// </summary>
public abstract class StorageConformanceTests : IAsyncLifetime
{
    private const int Writers = 8;

    private StorageInstance _instance = null!;

    private IGrainStorage Storage => _instance.Storage;

    private IReminderTable Reminders => _instance.Reminders;

    private IStreamReader Streams => _instance.Streams;

    /// <summary>Opens fresh storage of the provider under test.</summary>
    protected abstract Task<StorageInstance> OpenFreshAsync();

    /// <summary>Removes what <see cref="OpenFreshAsync"/> made, after the instance is disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _instance = await OpenFreshAsync();
        await _instance.Initializer.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        await CleanUpAsync();
    }

    [Fact]
    public async Task Reading_a_record_never_written_returns_null()
    {
        Assert.Null(await Storage.ReadAsync(new GrainId("order", "missing"), "order"));
    }

    [Fact]
    public async Task First_write_expecting_version_0_creates_version_1()
    {
        var id = new GrainId("order", "o-1");
        Assert.Equal(1, await Storage.WriteAsync(id, "order", Json("first"), expectedVersion: 0));

        var stored = await Storage.ReadAsync(id, "order");
        Assert.NotNull(stored);
        Assert.Equal(1, stored.Version);
        Assert.Equal("first", Text(stored.Payload));
    }

    [Fact]
    public async Task Every_write_bumps_the_version_by_one()
    {
        var id = new GrainId("order", "o-2");
        var version = 0L;
        for (var i = 1; i <= 5; i++)
        {
            version = await Storage.WriteAsync(id, "order", Json($"v{i}"), version);
            Assert.Equal(i, version);
        }

        var stored = await Storage.ReadAsync(id, "order");
        Assert.Equal(5, stored!.Version);
        Assert.Equal("v5", Text(stored.Payload));
    }

    [Fact]
    public async Task A_write_with_a_stale_version_throws_and_changes_nothing()
    {
        var id = new GrainId("order", "o-3");
        await Storage.WriteAsync(id, "order", Json("v1"), 0);
        await Storage.WriteAsync(id, "order", Json("v2"), 1);

        foreach (var stale in new long[] { 0, 1, 3, 42 })
        {
            await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(id, "order", Json($"stale {stale}"), stale));
            await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(id, "order", stale));
        }

        var stored = await Storage.ReadAsync(id, "order");
        Assert.Equal(2, stored!.Version);
        Assert.Equal("v2", Text(stored.Payload));
    }

    [Fact]
    public async Task A_write_expecting_a_version_of_a_missing_record_throws_and_creates_nothing()
    {
        var id = new GrainId("order", "o-4");
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(id, "order", Json("ghost"), 3));
        Assert.Null(await Storage.ReadAsync(id, "order"));
    }

    [Fact]
    public async Task Clearing_leaves_a_tombstone_that_a_writer_expecting_0_cannot_resurrect()
    {
        var id = new GrainId("order", "o-5");
        await Storage.WriteAsync(id, "order", Json("alive"), 0);
        Assert.Equal(2, await Storage.ClearAsync(id, "order", 1));

        var tombstone = await Storage.ReadAsync(id, "order");
        Assert.NotNull(tombstone);
        Assert.Equal(2, tombstone.Version);
        Assert.Null(tombstone.Payload);

        // A writer that read the record before it existed must not bring it back.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(id, "order", Json("resurrected"), 0));
        var after = await Storage.ReadAsync(id, "order");
        Assert.Equal(2, after!.Version);
        Assert.Null(after.Payload);

        // One that read the tombstone may write again.
        Assert.Equal(3, await Storage.WriteAsync(id, "order", Json("again"), 2));
        Assert.Equal("again", Text((await Storage.ReadAsync(id, "order"))!.Payload));
    }

    [Fact]
    public async Task Clearing_a_record_never_written_changes_nothing()
    {
        var id = new GrainId("order", "o-6");
        Assert.Equal(0, await Storage.ClearAsync(id, "order", 0));
        Assert.Null(await Storage.ReadAsync(id, "order"));
        Assert.Equal(1, await Storage.WriteAsync(id, "order", Json("created"), 0));
    }

    [Fact]
    public async Task Clearing_an_existing_record_expecting_version_0_throws_and_changes_nothing()
    {
        // The clearer read the record before someone else created it.
        var id = new GrainId("order", "o-7");
        await Storage.WriteAsync(id, "order", Json("theirs"), 0);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(id, "order", 0));
        var stored = await Storage.ReadAsync(id, "order");
        Assert.Equal(1, stored!.Version);
        Assert.Equal("theirs", Text(stored.Payload));
    }

    [Fact]
    public async Task Records_are_keyed_by_grain_type_key_and_state_name()
    {
        var key = "k-1 ü/é'\"; --";
        await Storage.WriteAsync(new GrainId("order", key), "order", Json("order/order"), 0);
        await Storage.WriteAsync(new GrainId("order", key), "other", Json("order/other"), 0);
        await Storage.WriteAsync(new GrainId("inventory", key), "order", Json("inventory/order"), 0);

        Assert.Equal("order/order", Text((await Storage.ReadAsync(new GrainId("order", key), "order"))!.Payload));
        Assert.Equal("order/other", Text((await Storage.ReadAsync(new GrainId("order", key), "other"))!.Payload));
        Assert.Equal("inventory/order", Text((await Storage.ReadAsync(new GrainId("inventory", key), "order"))!.Payload));
        Assert.Null(await Storage.ReadAsync(new GrainId("order", key + "x"), "order"));
    }

    [Fact]
    public async Task A_large_binary_payload_round_trips_unchanged()
    {
        var id = new GrainId("order", "big");
        var payload = new byte[512 * 1024];
        new Random(7).NextBytes(payload);
        await Storage.WriteAsync(id, "order", payload, 0);
        Assert.Equal(payload, (await Storage.ReadAsync(id, "order"))!.Payload);
    }

    [Fact]
    public async Task Of_concurrent_writers_expecting_the_same_version_exactly_one_wins()
    {
        for (var round = 0; round < 5; round++)
        {
            var id = new GrainId("inventory", $"race-{round}");

            // Creating the record: everyone expects 0.
            var created = await RaceAsync(Writers, i => Storage.WriteAsync(id, "inventory", Json($"create {i}"), 0));
            Assert.Equal(1, created.Version);
            Assert.Equal($"create {created.Winner}", Text((await Storage.ReadAsync(id, "inventory"))!.Payload));

            // Updating it: everyone expects 1.
            var updated = await RaceAsync(Writers, i => Storage.WriteAsync(id, "inventory", Json($"update {i}"), 1));
            Assert.Equal(2, updated.Version);
            var stored = await Storage.ReadAsync(id, "inventory");
            Assert.Equal(2, stored!.Version);
            Assert.Equal($"update {updated.Winner}", Text(stored.Payload));

            // Writers racing a clear: one of them wins, whichever it is.
            var mixed = await RaceAsync(Writers, i => i % 2 == 0
                ? Storage.ClearAsync(id, "inventory", 2)
                : Storage.WriteAsync(id, "inventory", Json($"mixed {i}"), 2));
            Assert.Equal(3, mixed.Version);
            var final = await Storage.ReadAsync(id, "inventory");
            Assert.Equal(3, final!.Version);
            Assert.Equal(mixed.Winner % 2 == 0 ? null : $"mixed {mixed.Winner}", final.Payload is null ? null : Text(final.Payload));
        }
    }

    [Fact]
    public async Task Reminder_table_reads_nothing_before_anything_is_upserted()
    {
        Assert.Empty(await Reminders.ReadAllAsync());
        Assert.Null(await Reminders.ReadAsync(new GrainId("order", "o-1"), "expire"));
    }

    [Fact]
    public async Task Reminder_upsert_inserts_then_replaces()
    {
        var grain = new GrainId("order", "o-1");
        var first = new ReminderEntry(grain, "expire", At(2026, 3, 1, 12, 30, 15, 250), TimeSpan.FromMinutes(5));
        await Reminders.UpsertAsync(first);
        Assert.Equal(first, await Reminders.ReadAsync(grain, "expire"));

        var replaced = first with { StartAt = At(2026, 3, 2, 0, 0, 0, 1), Period = TimeSpan.FromHours(1) };
        await Reminders.UpsertAsync(replaced);
        Assert.Equal(replaced, await Reminders.ReadAsync(grain, "expire"));
        Assert.Equal([replaced], await Reminders.ReadAllAsync());
    }

    [Fact]
    public async Task Reminder_ticks_are_claimed_once_and_only_forward()
    {
        var grain = new GrainId("order", "o-claim");
        var tick = At(2026, 3, 1, 12, 0, 0, 0);
        Assert.False(await Reminders.TryClaimTickAsync(grain, "expire", tick)); // no such reminder
        await Reminders.UpsertAsync(new ReminderEntry(grain, "expire", tick, TimeSpan.FromMinutes(1)));

        Assert.True(await Reminders.TryClaimTickAsync(grain, "expire", tick));
        Assert.False(await Reminders.TryClaimTickAsync(grain, "expire", tick)); // the other silo's attempt
        Assert.False(await Reminders.TryClaimTickAsync(grain, "expire", tick.AddMinutes(-1)));
        await Reminders.UpsertAsync(new ReminderEntry(grain, "expire", tick, TimeSpan.FromMinutes(2))); // an update keeps the claims
        Assert.False(await Reminders.TryClaimTickAsync(grain, "expire", tick));
        Assert.True(await Reminders.TryClaimTickAsync(grain, "expire", tick.AddMinutes(2)));
    }

    [Fact]
    public async Task Reminder_read_all_returns_every_reminder_and_remove_removes_one()
    {
        var a = new ReminderEntry(new GrainId("order", "o-1"), "expire", At(2026, 1, 1, 0, 0, 0, 0), TimeSpan.FromMinutes(1));
        var b = new ReminderEntry(new GrainId("order", "o-1"), "remind", At(2026, 1, 2, 0, 0, 0, 0), TimeSpan.FromMinutes(2));
        var c = new ReminderEntry(new GrainId("order", "o-2"), "expire", At(2026, 1, 3, 0, 0, 0, 0), TimeSpan.FromMinutes(3));
        var d = new ReminderEntry(new GrainId("inventory", "o-1"), "expire", At(2026, 1, 4, 0, 0, 0, 0), TimeSpan.FromDays(1));
        foreach (var entry in new[] { a, b, c, d })
        {
            await Reminders.UpsertAsync(entry);
        }

        Assert.Equal(Sorted([a, b, c, d]), Sorted(await Reminders.ReadAllAsync()));

        await Reminders.RemoveAsync(a.GrainId, a.Name);
        Assert.Null(await Reminders.ReadAsync(a.GrainId, a.Name));
        Assert.Equal(b, await Reminders.ReadAsync(b.GrainId, b.Name));
        Assert.Equal(Sorted([b, c, d]), Sorted(await Reminders.ReadAllAsync()));

        // Removing what is not there does nothing.
        await Reminders.RemoveAsync(a.GrainId, a.Name);
        await Reminders.RemoveAsync(new GrainId("order", "never"), "expire");
        Assert.Equal(Sorted([b, c, d]), Sorted(await Reminders.ReadAllAsync()));
    }

    private static byte[] Json(string value) => Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { value }));

    private static string Text(byte[]? payload)
    {
        Assert.NotNull(payload);
        return System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("value").GetString()!;
    }

    private static DateTimeOffset At(int year, int month, int day, int hour, int minute, int second, int millisecond)
        => new(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);

    private static ReminderEntry[] Sorted(IEnumerable<ReminderEntry> entries)
        => [.. entries.OrderBy(e => e.GrainId.ToString(), StringComparer.Ordinal).ThenBy(e => e.Name, StringComparer.Ordinal)];

    // Starts all writers at once; asserts that exactly one succeeded and every other one lost with a conflict.
    private static async Task<(int Winner, long Version)> RaceAsync(int writers, Func<int, Task<long>> write)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                return (Index: i, Version: (long?)await write(i), Error: (Exception?)null);
            }
            catch (Exception ex)
            {
                return (Index: i, Version: null, Error: ex);
            }
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var unexpected = results.Where(r => r.Error is not null and not InconsistentStateException).ToArray();
        Assert.True(unexpected.Length == 0, $"Losing writers must get InconsistentStateException, got: {string.Join("; ", unexpected.Select(r => r.Error))}");
        var winners = results.Where(r => r.Version is not null).ToArray();
        Assert.True(winners.Length == 1, $"Exactly one of {writers} concurrent writers must win; {winners.Length} did.");
        return (winners[0].Index, winners[0].Version!.Value);
    }

    private static PendingEvent Event(string ns, string key, string type) => new(new StreamId(ns, key), type, Json(type));

    [Fact]
    public async Task Events_are_appended_with_their_state_numbered_per_stream_and_ordered_globally()
    {
        var id = new GrainId("order", "o-ev");
        var version = await Storage.WriteAsync(id, "order", Json("v1"), 0, [Event("orders", "o-ev", "placed"), Event("orders", "o-ev", "confirmed")]);
        await Storage.WriteAsync(new GrainId("inventory", "sku-1"), "inventory", Json("s1"), 0, [Event("inventory", "sku-1", "reserved")]);
        await Storage.WriteAsync(id, "order", Json("v2"), version, [Event("orders", "o-ev", "shipped")]);

        var all = await Streams.ReadAllAsync(0, 100);
        Assert.Equal(["placed", "confirmed", "reserved", "shipped"], all.Select(e => e.Type));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions increase in delivery order");
        Assert.Equal([1L, 2L, 3L], all.Where(e => e.Stream == new StreamId("orders", "o-ev")).Select(e => e.Sequence));
        Assert.Equal("shipped", Text(all[^1].Payload));

        var order = await Streams.ReadStreamAsync(new StreamId("orders", "o-ev"), 1, 100);
        Assert.Equal(["confirmed", "shipped"], order.Select(e => e.Type));
        Assert.Equal(["shipped"], (await Streams.ReadAllAsync(all[2].Position, 100)).Select(e => e.Type));
        Assert.Equal(2, (await Streams.ReadAllAsync(0, 2)).Count);
    }

    [Fact]
    public async Task A_write_that_loses_the_version_check_appends_no_event()
    {
        var id = new GrainId("order", "o-lost");
        await Storage.WriteAsync(id, "order", Json("v1"), 0, [Event("orders", "o-lost", "placed")]);
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteAsync(id, "order", Json("stale"), 0, [Event("orders", "o-lost", "ghost")]));
        Assert.Equal(["placed"], (await Streams.ReadAllAsync(0, 100)).Select(e => e.Type));
        Assert.Equal("v1", Text((await Storage.ReadAsync(id, "order"))!.Payload));
    }
}

public sealed class MemoryStorageConformanceTests : StorageConformanceTests
{
    protected override Task<StorageInstance> OpenFreshAsync() => Task.FromResult(StorageInstance.Memory());
}

public sealed class SqliteStorageConformanceTests : StorageConformanceTests
{
    private string? _file;

    protected override Task<StorageInstance> OpenFreshAsync()
        => Task.FromResult(StorageInstance.Sqlite(StorageInstance.NewSqliteFile(out _file)));

    protected override Task CleanUpAsync()
    {
        StorageInstance.DeleteSqliteFile(_file!);
        return Task.CompletedTask;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStreamOrderingTests(PostgresServer server)
{
    /// <summary>
    /// PostgreSQL commits transactions in any order: a transaction that took its position first may commit last.
    /// A tailing reader must not move past it while it is open, or it would never see its event.
    /// </summary>
    [Fact]
    public async Task A_reader_never_moves_past_an_event_whose_transaction_commits_later()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var instance = StorageInstance.PostgreSql(connectionString);
        await instance.Initializer.InitializeAsync();
        await instance.Storage.WriteAsync(new GrainId("order", "before"), "order", "{}"u8.ToArray(), 0,
            [new PendingEvent(new StreamId("orders", "before"), "before", "{}"u8.ToArray())]);

        // A writer that appended its event and has not committed yet.
        await using var slow = new Npgsql.NpgsqlConnection(connectionString);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        await using (var append = new Npgsql.NpgsqlCommand(instance.AppendEventSql, slow, transaction))
        {
            append.Parameters.AddWithValue("index", 0L);
            append.Parameters.AddWithValue("ns", "orders");
            append.Parameters.AddWithValue("key", "slow");
            append.Parameters.AddWithValue("type", "slow");
            append.Parameters.AddWithValue("payload", "{}"u8.ToArray());
            await append.ExecuteNonQueryAsync();
        }

        // Later writers commit while it is open.
        for (var i = 0; i < 3; i++)
        {
            await instance.Storage.WriteAsync(new GrainId("order", $"fast-{i}"), "order", "{}"u8.ToArray(), 0,
                [new PendingEvent(new StreamId("orders", $"fast-{i}"), "fast", "{}"u8.ToArray())]);
        }

        var seen = await instance.Streams.ReadAllAsync(0, 100);
        Assert.Equal(["before"], seen.Select(e => e.Type)); // the fast ones wait behind the open transaction
        var checkpoint = seen[^1].Position;

        await transaction.CommitAsync();
        var next = await instance.Streams.ReadAllAsync(checkpoint, 100);
        Assert.Equal(["slow", "fast", "fast", "fast"], next.Select(e => e.Type));
        Assert.True(next.Zip(next.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions increase in delivery order");
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStorageConformanceTests(PostgresServer server) : StorageConformanceTests
{
    protected override async Task<StorageInstance> OpenFreshAsync() => StorageInstance.PostgreSql(await server.CreateDatabaseAsync());
}
