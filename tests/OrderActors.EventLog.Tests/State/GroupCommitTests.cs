using System.Data.Common;
using System.Text;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;
using Orleans.Runtime;

namespace OrderActors.EventLog.Tests.State;

/// <summary>
/// The invariants of <see cref="GroupCommit"/>, on real PostgreSQL and real SQLite: writes that arrive together share a
/// transaction; each keeps its own version check, its own state-table rows and its own events; a stale or refused write
/// fails alone.
/// </summary>
/// <remarks>
/// To put writes into one transaction for certain, the tests let one committer run (<c>WriteConcurrency = 1</c>) and
/// hold its first write on a lock another connection keeps; everything queued meanwhile goes into the next
/// transaction together.
/// </remarks>
public abstract class GroupCommitTests : IAsyncLifetime
{
    private const string StateName = "state";

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    private TestDatabase _database = null!;

    private SqlDatabase Sql => SqlDatabase.For(_database.Invariant, _database.ConnectionString);

    public async Task InitializeAsync()
    {
        _database = await CreateDatabaseAsync();
        await OrderActorsSchema.ApplyAsync(_database.Invariant, _database.ConnectionString);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private GroupCommit NewGroupCommit() => new(Sql, new EventLogOptions
    {
        Invariant = _database.Invariant, ConnectionString = _database.ConnectionString, QueueCount = EventLogCluster.QueueCount, WriteConcurrency = 1,
    });

    private static StateWrite Write(string key, long expected, int events, string payload = "{}", params TableChanges[] tables)
        => Write(key, expected, events, Encoding.UTF8.GetBytes(payload), tables);

    // A clear of a state with tables, as the storage writes it: a tombstone, and every row goes.
    private static StateWrite Clear(string key, long expected) => Write(key, expected, events: 0, (byte[]?)null, [TableChanges.All]);

    private static StateWrite Write(string key, long expected, int events, byte[]? payload, IReadOnlyList<TableChanges> tables)
        => new("test", key, StateName, payload, expected,
            Enumerable.Range(1, events).Select(i => new PendingEvent(StreamId.Create("group", key), $"test.e{i}", "clr", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))).ToArray(),
            tables);

    // The changed entries of a table (a null value removes the entry), or with Replace its whole new content.
    private static TableChanges Rows(string table, params (string Key, string? Value)[] rows) => Rows(table, replace: false, rows);

    private static TableChanges Rows(string table, bool replace, params (string Key, string? Value)[] rows)
        => new(table, replace, rows.Select(r => (r.Key, r.Value is null ? null : BinaryData.FromString(r.Value))).ToArray());

    [Fact]
    public async Task Writes_that_arrive_together_commit_together_each_with_its_own_events_in_order()
    {
        var commit = NewGroupCommit();
        var writes = Enumerable.Range(0, 12).Select(i => Write($"together-{i}", 0, events: 3)).ToArray();
        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes = writes.Select(commit.CommitAsync).ToArray();
        }

        Assert.All(await Task.WhenAll(outcomes), version => Assert.Equal(1L, version));
        var events = (await LogTable.EventsAsync(_database)).Where(e => e.Key.StartsWith("together-", StringComparison.Ordinal)).ToList();
        Assert.Equal(12 * 3, events.Count);
        Assert.Equal(events.Count, events.Select(e => e.Position).Distinct().Count());
        Assert.All(events.GroupBy(e => e.Key), stream =>
        {
            Assert.Equal([1L, 2, 3], stream.Select(e => e.Sequence));
            Assert.Equal(["test.e1", "test.e2", "test.e3"], stream.Select(e => e.Type));
        });
        if (_database.IsPostgreSql)
        {
            // A position is the writing transaction's id × 65,536 plus the index: the twelve writes shared one transaction.
            Assert.Single(events.Select(e => e.Position >> 16).Distinct());
        }
    }

    [Fact]
    public async Task A_stale_write_commits_nothing_and_the_writes_it_shares_a_transaction_with_commit()
    {
        var commit = NewGroupCommit();
        Assert.Equal(1L, await commit.CommitAsync(Write("stale", 0, events: 1, payload: "{\"v\":1}")));
        Assert.Equal(1L, await commit.CommitAsync(Write("stale-updated", 0, events: 1)));

        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes =
            [
                commit.CommitAsync(Write("fresh-1", 0, events: 2)),
                commit.CommitAsync(Write("stale", 7, events: 2, payload: "{\"v\":\"lost\"}")), // holds version 7; storage has 1
                commit.CommitAsync(Write("stale", 0, events: 2, payload: "{\"v\":\"lost\"}")), // "no record", but there is one
                commit.CommitAsync(Write("stale-updated", 1, events: 2)),
            ];
        }

        var versions = await Task.WhenAll(outcomes);
        Assert.Equal([1L, 0, 0, 2], versions);
        Assert.Equal((1L, "{\"v\":1}"), await StoredAsync("stale"));
        Assert.Single(await LogTable.EventsAsync(_database, "stale"));
        Assert.Equal(2, (await LogTable.EventsAsync(_database, "fresh-1")).Count);
        Assert.Equal([1L, 2, 3], (await LogTable.EventsAsync(_database, "stale-updated")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_write_the_database_refuses_fails_alone()
    {
        await LogTable.ExecuteAsync(_database, _database.IsPostgreSql
            ? "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'poison refused'; END $$ LANGUAGE plpgsql; " +
              "CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON orderactors_grain_state FOR EACH ROW WHEN (NEW.grain_key = 'poison') EXECUTE FUNCTION refuse_poison()"
            : "CREATE TRIGGER refuse_poison BEFORE INSERT ON orderactors_grain_state WHEN NEW.grain_key = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END");
        var commit = NewGroupCommit();

        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes = [commit.CommitAsync(Write("healthy-1", 0, events: 1)), commit.CommitAsync(Write("poison", 0, events: 1)), commit.CommitAsync(Write("healthy-2", 0, events: 1))];
        }

        var refused = await Assert.ThrowsAnyAsync<DbException>(() => outcomes[1]);
        Assert.Contains("poison refused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await outcomes[0]);
        Assert.Equal(1L, await outcomes[2]);
        Assert.Empty(await LogTable.EventsAsync(_database, "poison"));
        Assert.Single(await LogTable.EventsAsync(_database, "healthy-1"));
        Assert.Single(await LogTable.EventsAsync(_database, "healthy-2"));
    }

    [Fact]
    public async Task Writes_with_rows_that_arrive_together_commit_together_each_with_its_own_rows()
    {
        var commit = NewGroupCommit();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(1L, await commit.CommitAsync(Write($"rows-{i}", 0, events: 1, "{}",
                Rows("A", replace: true, ("a", "1"), ("b", "1"), ("c", "1")), Rows("B", replace: true, ("x", "1"), ("z", "1")))));
        }

        Assert.Equal(1L, await commit.CommitAsync(Write("rows-cleared", 0, events: 0, "{}", Rows("A", replace: true, ("a", "1")), Rows("B", replace: true, ("x", "1")))));
        var before = (await LogTable.EventsAsync(_database)).Max(e => e.Position);

        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes =
            [
                // Change a, remove b, add n; replace B, keeping x (with a new value) and dropping z in the same statement.
                .. Enumerable.Range(0, 6).Select(i => commit.CommitAsync(Write($"rows-{i}", 1, events: 1, "{}",
                    Rows("A", ("a", $"2-{i}"), ("b", null), ("n", $"2-{i}")), Rows("B", replace: true, ("x", $"2-{i}"), ("y", $"2-{i}"))))),
                commit.CommitAsync(Write("rows-new", 0, events: 1, "{}", Rows("A", replace: true, ("a", "new")))),
                commit.CommitAsync(Write("rows-unchanged", 0, events: 1, "{}", Rows("A"))), // a state with a table, no row changed
                commit.CommitAsync(Write("rows-plain", 0, events: 1)),
                commit.CommitAsync(Clear("rows-cleared", 1)),
            ];
        }

        var versions = await Task.WhenAll(outcomes);
        Assert.Equal([2L, 2, 2, 2, 2, 2, 1, 1, 1, 2], versions);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal([("A", "a", $"2-{i}"), ("A", "c", "1"), ("A", "n", $"2-{i}"), ("B", "x", $"2-{i}"), ("B", "y", $"2-{i}")], await RowsAsync($"rows-{i}"));
        }

        Assert.Equal([("A", "a", "new")], await RowsAsync("rows-new"));
        Assert.Empty(await RowsAsync("rows-cleared"));
        Assert.Null((await StoredOrTombstoneAsync("rows-cleared")).Payload);
        if (_database.IsPostgreSql)
        {
            // The batch's nine events all carry its transaction's id: the writes with rows shared one transaction with the others.
            var events = (await LogTable.EventsAsync(_database)).Where(e => e.Position > before).ToList();
            Assert.Equal(9, events.Count);
            Assert.Single(events.Select(e => e.Position >> 16).Distinct());
        }
    }

    [Fact]
    public async Task A_stale_write_with_rows_changes_no_row_and_appends_no_event_while_the_others_commit()
    {
        var commit = NewGroupCommit();
        Assert.Equal(1L, await commit.CommitAsync(Write("stale-rows", 0, events: 1, "{\"v\":1}",
            Rows("A", replace: true, ("a", "1"), ("b", "1")), Rows("B", replace: true, ("x", "1")))));
        Assert.Equal(1L, await commit.CommitAsync(Write("fresh-rows", 0, events: 1, "{}", Rows("A", replace: true, ("a", "1")))));

        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes =
            [
                commit.CommitAsync(Write("stale-rows", 7, events: 2, "{\"v\":\"lost\"}", // holds version 7; storage has 1
                    Rows("A", ("a", "lost"), ("b", null), ("new", "lost")), Rows("B", replace: true, ("y", "lost")))),
                commit.CommitAsync(Write("fresh-rows", 1, events: 1, "{}", Rows("A", ("a", "2"), ("n", "2")))),
                commit.CommitAsync(Write("stale-rows", 0, events: 2, "{\"v\":\"lost\"}", Rows("A", replace: true, ("a", "lost")))), // "no record", but there is one
                commit.CommitAsync(Clear("stale-rows", 3)), // a stale clear
            ];
        }

        var versions = await Task.WhenAll(outcomes);
        Assert.Equal([0L, 2, 0, 0], versions);
        Assert.Equal((1L, "{\"v\":1}"), await StoredAsync("stale-rows"));
        Assert.Equal([("A", "a", "1"), ("A", "b", "1"), ("B", "x", "1")], await RowsAsync("stale-rows"));
        Assert.Single(await LogTable.EventsAsync(_database, "stale-rows"));
        Assert.Equal([("A", "a", "2"), ("A", "n", "2")], await RowsAsync("fresh-rows"));
        Assert.Equal(2, (await LogTable.EventsAsync(_database, "fresh-rows")).Count);
    }

    [Fact]
    public async Task A_write_whose_rows_the_database_refuses_fails_alone_and_commits_neither_its_state_nor_its_events()
    {
        var commit = NewGroupCommit();
        Assert.Equal(1L, await commit.CommitAsync(Write("poison-rows", 0, events: 1, "{\"v\":1}", Rows("A", replace: true, ("a", "1")))));
        await LogTable.ExecuteAsync(_database, _database.IsPostgreSql
            ? "CREATE FUNCTION refuse_poison_row() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'poison refused'; END $$ LANGUAGE plpgsql; " +
              "CREATE TRIGGER refuse_poison_row BEFORE INSERT OR UPDATE ON orderactors_grain_rows FOR EACH ROW WHEN (NEW.row_key = 'poison') EXECUTE FUNCTION refuse_poison_row()"
            : "CREATE TRIGGER refuse_poison_row BEFORE INSERT ON orderactors_grain_rows WHEN NEW.row_key = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END");

        Task<long>[] outcomes;
        await using (await HoldWriterAsync(commit))
        {
            outcomes =
            [
                commit.CommitAsync(Write("healthy-rows-1", 0, events: 1, "{}", Rows("A", replace: true, ("a", "1")))),
                commit.CommitAsync(Write("poison-rows", 1, events: 1, "{\"v\":\"lost\"}", Rows("A", ("a", "lost"), ("poison", "lost")))),
                commit.CommitAsync(Write("healthy-rows-2", 0, events: 1, "{}", Rows("A", replace: true, ("a", "1")))),
            ];
        }

        var refused = await Assert.ThrowsAnyAsync<DbException>(() => outcomes[1]);
        Assert.Contains("poison refused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await outcomes[0]);
        Assert.Equal(1L, await outcomes[2]);
        Assert.Equal((1L, "{\"v\":1}"), await StoredAsync("poison-rows"));
        Assert.Equal([("A", "a", "1")], await RowsAsync("poison-rows"));
        Assert.Single(await LogTable.EventsAsync(_database, "poison-rows"));
        Assert.Equal([("A", "a", "1")], await RowsAsync("healthy-rows-1"));
        Assert.Equal([("A", "a", "1")], await RowsAsync("healthy-rows-2"));
        Assert.Single(await LogTable.EventsAsync(_database, "healthy-rows-1"));
    }

    // Starts a write the database makes wait on a lock another connection holds, so that the one committer is busy
    // until the returned handle is disposed; the write itself then commits.
    private async Task<IAsyncDisposable> HoldWriterAsync(GroupCommit commit)
    {
        Assert.Equal(1L, await commit.CommitAsync(Write("blocker", 0, events: 0)));
        var connection = await Sql.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = SqlDatabase.Command(connection, transaction,
            "UPDATE orderactors_grain_state SET updated_at = CURRENT_TIMESTAMP WHERE grain_key = 'blocker'"))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        var blocked = commit.CommitAsync(Write("blocker", 1, events: 0));
        await Task.Delay(200); // the committer has taken the blocked write and waits on the lock
        Assert.False(blocked.IsCompleted);
        return new Release(connection, transaction, blocked);
    }

    private async Task<(long Version, string Payload)> StoredAsync(string key)
    {
        var (version, payload) = await StoredOrTombstoneAsync(key);
        return (version, payload ?? throw new InvalidOperationException($"The record of {key} is a tombstone."));
    }

    private async Task<(long Version, string? Payload)> StoredOrTombstoneAsync(string key)
    {
        await using var connection = await Sql.OpenAsync();
        await using var command = SqlDatabase.Command(connection, null,
            "SELECT version, payload FROM orderactors_grain_state WHERE grain_type = 'test' AND grain_key = @key", ("@key", key));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"expected a record of {key}");
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : Encoding.UTF8.GetString((byte[])reader.GetValue(1)));
    }

    private async Task<List<(string Table, string Row, string Value)>> RowsAsync(string key)
    {
        await using var connection = await Sql.OpenAsync();
        await using var command = SqlDatabase.Command(connection, null,
            "SELECT table_name, row_key, payload FROM orderactors_grain_rows WHERE grain_type = 'test' AND grain_key = @key ORDER BY table_name, row_key", ("@key", key));
        var rows = new List<(string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), Encoding.UTF8.GetString((byte[])reader.GetValue(2))));
        }

        return rows;
    }

    private sealed class Release(DbConnection connection, DbTransaction transaction, Task<long> blocked) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            Assert.Equal(2L, await blocked);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlGroupCommitTests(PostgresServer server) : GroupCommitTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteGroupCommitTests : GroupCommitTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
