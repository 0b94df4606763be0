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

    private async Task<List<string>> RowsAsync(string grainKey)
    {
        await using var connection = await Sql.SqlDatabase.For(Database.Invariant, Database.ConnectionString).OpenAsync();
        await using var command = Sql.SqlDatabase.Command(connection, null,
            "SELECT row_key FROM orderactors_grain_rows WHERE grain_key = @key AND state_name = 'tally' ORDER BY row_key", ("@key", grainKey));
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

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStateTableTests(PostgresServer server) : StateTableTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteStateTableTests : StateTableTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
