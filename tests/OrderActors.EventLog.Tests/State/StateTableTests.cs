using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;
using Orleans.Storage;

namespace OrderActors.EventLog.Tests.State;

/// <summary>
/// <see cref="StateTable{TValue}"/> on the event-log grain storage: a write stores the head and only the entries that
/// changed, in one transaction under the head's ETag. Run against real PostgreSQL and real SQLite.
/// </summary>
public abstract class StateTableTests : ClusterTestBase
{
    [Fact]
    public async Task Entries_survive_reactivation_one_row_each()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-roundtrip");
        await grain.SetAsync("a", 1);
        await grain.SetAsync("b", 2);
        await grain.SetAsync("c", 3);

        await Cluster.DeactivateAsync(grain);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 }, (await grain.GetAsync()).Counts);
        Assert.Equal(["a", "b", "c"], await RowsAsync("t-roundtrip"));
    }

    [Fact]
    public async Task A_write_rewrites_only_the_entries_that_changed()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-changed");
        await grain.SetAsync("a", 1);
        await grain.SetAsync("b", 2);

        // Behind the grain's back, b's row takes a's payload (1): a write that rewrote b would put 2 back.
        Assert.Equal(1, await TamperAsync("t-changed", copy: "a", onto: "b"));
        await grain.SetAsync("a", 5);
        await Cluster.DeactivateAsync(grain);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 5, ["b"] = 1 }, (await grain.GetAsync()).Counts);
    }

    [Fact]
    public async Task An_entry_changed_in_place_through_the_indexer_is_written()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-inplace");
        await grain.SetAsync("a", 1);
        await grain.BumpAsync("a");
        await grain.BumpAsync("a");
        await Cluster.DeactivateAsync(grain);

        Assert.Equal(3, (await grain.GetAsync()).Counts["a"]);
    }

    [Fact]
    public async Task A_removed_entry_loses_its_row()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-remove");
        await grain.SetAsync("a", 1);
        await grain.SetAsync("b", 2);
        await grain.RemoveAsync("a");
        await Cluster.DeactivateAsync(grain);

        Assert.Equal(new Dictionary<string, int> { ["b"] = 2 }, (await grain.GetAsync()).Counts);
        Assert.Equal(["b"], await RowsAsync("t-remove"));
    }

    [Fact]
    public async Task A_new_table_instance_replaces_every_stored_row()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-replace");
        await grain.SetAsync("a", 1);
        await grain.SetAsync("b", 2);
        await grain.ReplaceAsync(new Dictionary<string, int> { ["x"] = 9 }, "rebuilt");
        await Cluster.DeactivateAsync(grain);

        var (note, counts) = await grain.GetAsync();
        Assert.Equal("rebuilt", note);
        Assert.Equal(new Dictionary<string, int> { ["x"] = 9 }, counts);
        Assert.Equal(["x"], await RowsAsync("t-replace"));
    }

    [Fact]
    public async Task A_stale_etag_writes_no_row_and_the_next_activation_reads_what_was_stored()
    {
        var grain = Cluster.Client.GetGrain<ITallyGrain>("t-stale");
        await grain.SetAsync("a", 1);

        // Another writer moves the head on behind this activation's back (as a duplicate activation would).
        Assert.Equal(1, await LogTable.ExecuteAsync(Database,
            "UPDATE orderactors_grain_state SET version = version + 1 WHERE grain_key = @key AND state_name = 'tally'", ("@key", "t-stale")));

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.SetAsync("lost", 7));
        Assert.Equal(["a"], await RowsAsync("t-stale"));

        await Cluster.DeactivateAsync(grain);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, (await grain.GetAsync()).Counts);
    }

    [Fact]
    public async Task A_paged_table_reads_no_row_at_activation_and_loads_rows_on_demand()
    {
        var grain = Cluster.Client.GetGrain<IPagedTallyGrain>("p-load");
        await grain.SetAsync(new() { ["a"] = 1, ["b"] = 2, ["c"] = 3 });
        await Cluster.DeactivateAsync(grain);

        // Not read at activation: a lookup that skipped LoadAsync refuses rather than answer "no entry".
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.PeekUnloadedAsync("a"));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["c"] = 3 }, await grain.GetAsync(["a", "c", "zz"]));
        Assert.Equal(3, await grain.PeekUnloadedAsync("c"));
        Assert.Null(await grain.PeekUnloadedAsync("zz")); // known absent once loaded

        await grain.SetAsync(new() { ["a"] = 10, ["zz"] = 26 });
        await Cluster.DeactivateAsync(grain);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 10, ["b"] = 2, ["c"] = 3, ["zz"] = 26 }, await grain.GetAsync(["a", "b", "c", "zz"]));
        Assert.Equal(["a", "b", "c", "zz"], await RowsAsync("p-load", "paged-tally"));
    }

    [Fact]
    public async Task A_paged_table_drops_written_rows_beyond_its_resident_count()
    {
        var grain = Cluster.Client.GetGrain<IPagedTallyGrain>("p-trim");
        await grain.SetAsync(new() { ["a"] = 1 });
        Assert.Equal(1, await grain.PeekUnloadedAsync("a")); // within the resident count (2): kept

        await grain.SetAsync(new() { ["b"] = 2, ["c"] = 3 });
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.PeekUnloadedAsync("a")); // written, beyond 2: dropped
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 }, await grain.GetAsync(["a", "b", "c"]));
    }

    [Fact]
    public async Task Pages_of_a_paged_table_come_in_ordinal_key_order_with_unwritten_changes_laid_over()
    {
        var grain = Cluster.Client.GetGrain<IPagedTallyGrain>("p-pages");
        // Ordinal order is A < B-1 < a < b_2 < c; a linguistic collation would interleave cases and skip punctuation.
        await grain.SetAsync(new() { ["a"] = 1, ["B-1"] = 2, ["c"] = 3, ["A"] = 4, ["b_2"] = 5 });
        await grain.SetAsync(new() { ["a"] = 10, ["aa"] = 11 }, write: false);
        Assert.True(await grain.RemoveAsync("b_2", write: false));

        List<KeyValuePair<string, int>> expected = [new("A", 4), new("B-1", 2), new("a", 10), new("aa", 11), new("c", 3)];
        foreach (var limit in new[] { 1, 2, 3, 100 })
        {
            Assert.Equal(expected, await grain.ReadPagesAsync(limit, descending: false));
            Assert.Equal(Enumerable.Reverse(expected), await grain.ReadPagesAsync(limit, descending: true));
        }

        await grain.SetAsync([]); // writes the changes
        await Cluster.DeactivateAsync(grain);
        Assert.Equal(expected, await grain.ReadPagesAsync(2, descending: false));
    }

    [Fact]
    public async Task Clearing_a_paged_table_deletes_every_stored_row_at_the_next_write()
    {
        var grain = Cluster.Client.GetGrain<IPagedTallyGrain>("p-clear");
        await grain.SetAsync(new() { ["a"] = 1, ["b"] = 2, ["c"] = 3 });
        await grain.ClearAsync();
        await grain.SetAsync(new() { ["d"] = 4 });
        await Cluster.DeactivateAsync(grain);

        Assert.Equal(new Dictionary<string, int> { ["d"] = 4 }, await grain.GetAsync(["a", "b", "c", "d"]));
        Assert.Equal(["d"], await RowsAsync("p-clear", "paged-tally"));
    }

    private async Task<List<string>> RowsAsync(string grainKey, string stateName = "tally")
    {
        await using var connection = await Sql.SqlDatabase.For(Database.Invariant, Database.ConnectionString).OpenAsync();
        await using var command = Sql.SqlDatabase.Command(connection, null,
            "SELECT row_key FROM orderactors_grain_rows WHERE grain_key = @key AND state_name = @name ORDER BY row_key", ("@key", grainKey), ("@name", stateName));
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private Task<int> TamperAsync(string grainKey, string copy, string onto)
        => LogTable.ExecuteAsync(Database,
            "UPDATE orderactors_grain_rows SET payload = (SELECT payload FROM orderactors_grain_rows WHERE grain_key = @key AND state_name = 'tally' AND row_key = @copy) " +
            "WHERE grain_key = @key AND state_name = 'tally' AND row_key = @onto", ("@key", grainKey), ("@copy", copy), ("@onto", onto));
}

/// <summary>
/// On a database whose default collation is linguistic (ICU en-US, as production databases usually sort): pages of a
/// paged table must still come in ordinal key order, which the row key's own collation gives.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStateTableTests(PostgresServer server) : StateTableTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server, icuLocale: "en-US");
}

public sealed class SqliteStateTableTests : StateTableTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
