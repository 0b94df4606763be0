using Npgsql;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Streams;
using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.EventLog.Tests.Streams;

/// <summary>
/// On PostgreSQL an event's position comes from its transaction id, and transactions commit in any order. A reader
/// that returned a committed event while a transaction with a smaller position is still open would move its
/// checkpoint past that event and never see it. The reader must wait.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutOfOrderCommitTests(PostgresServer server)
{
    [Fact]
    public async Task A_reader_never_passes_an_event_whose_transaction_commits_later()
    {
        var database = await TestDatabase.PostgreSqlAsync(server);
        await OrderActorsSchema.ApplyAsync(database.Invariant, database.ConnectionString);
        var append = EventLogSql.Append(SqlDatabase.For(database.Invariant, database.ConnectionString));
        var reader = new EventLogReader(SqlDatabase.For(database.Invariant, database.ConnectionString));

        await using var early = new NpgsqlConnection(database.ConnectionString);
        await using var late = new NpgsqlConnection(database.ConnectionString);
        await early.OpenAsync();
        await late.OpenAsync();

        // The early transaction takes its id (and so the smaller position) first, but commits last.
        await using var earlyTransaction = await early.BeginTransactionAsync();
        await AppendAsync(early, earlyTransaction, append, "early");
        await using (var lateTransaction = await late.BeginTransactionAsync())
        {
            await AppendAsync(late, lateTransaction, append, "late");
            await lateTransaction.CommitAsync();
        }

        var all = await LogTable.EventsAsync(database);
        Assert.Equal(["late"], all.Select(e => e.Key)); // committed and visible to a plain query: the guard is what holds it back
        Assert.Empty(await reader.ReadAllAsync(0, 100));
        Assert.Empty(await reader.ReadQueueAsync(0, 0, 100));
        Assert.Empty(await reader.ReadStreamAsync("ooo", "late", 0, 100));

        await earlyTransaction.CommitAsync();
        var read = await reader.ReadAllAsync(0, 100);
        Assert.Equal(["early", "late"], read.Select(e => e.Key));
        Assert.True(read[0].Position < read[1].Position, "the early transaction's event sorts first");
    }

    private static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string key)
    {
        await using var command = SqlDatabase.Command(connection, transaction, sql,
            ("@index", 0L), ("@queue", 0), ("@ns", "ooo"), ("@key", key), ("@type", "test.appended"), ("@clr", "test"), ("@payload", "{}"u8.ToArray()));
        await command.ExecuteNonQueryAsync();
    }
}
