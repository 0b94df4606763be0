using System.Text;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// Makes the real storage fail chosen writes of evented state (orders, inventory, shipments): while armed, SQLite
/// triggers on <c>orderactors_grain_state</c> abort an insert or update of the grain type (and key, if given) whose
/// stored JSON contains every given text, ignoring case (so the JSON's naming policy does not matter). The statement
/// fails inside the storage's own transaction, so neither the state nor the events appended with it are committed,
/// as when the database itself fails.
/// </summary>
/// <remarks>
/// A failed statement rolls back everything it did, the triggers' work included, so the database cannot count the
/// failures: a test recognizes them by <see cref="Caused"/> on the exception its call got.
/// </remarks>
public sealed class StateWriteFault
{
    /// <summary>The start of the message of every injected failure.</summary>
    public const string Message = "Injected storage failure";

    private readonly TestDatabase _database;
    private readonly string _name;

    private StateWriteFault(TestDatabase database, string name)
    {
        _database = database;
        _name = name;
    }

    /// <summary>Installs the fault, disarmed.</summary>
    /// <param name="database">The database of the cluster.</param>
    /// <param name="grainType">The grain type, e.g. <c>order</c>.</param>
    /// <param name="grainKey">Only this grain, or every grain of the type if null.</param>
    /// <param name="payloadContains">Texts the state's JSON must all contain for its write to fail, e.g. <c>"status":"confirmed"</c>.</param>
    public static async Task<StateWriteFault> CreateAsync(TestDatabase database, string grainType, string? grainKey, params string[] payloadContains)
    {
        var name = $"fault_{Guid.NewGuid():N}";
        var condition = new StringBuilder($"NEW.grain_type = {Literal(grainType)} AND (SELECT armed FROM test_faults WHERE name = '{name}') = 1");
        if (grainKey is not null)
        {
            condition.Append($" AND NEW.grain_key = {Literal(grainKey)}");
        }

        foreach (var text in payloadContains)
        {
            condition.Append($" AND instr(lower(CAST(NEW.payload AS TEXT)), lower({Literal(text)})) > 0");
        }

        var raise = $"SELECT RAISE(ABORT, '{Message} ({name})');";
        await database.ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS test_faults (name TEXT PRIMARY KEY, armed INTEGER NOT NULL);
            INSERT INTO test_faults (name, armed) VALUES ('{name}', 0);
            CREATE TRIGGER {name}_insert BEFORE INSERT ON orderactors_grain_state WHEN {condition} BEGIN {raise} END;
            CREATE TRIGGER {name}_update BEFORE UPDATE ON orderactors_grain_state WHEN {condition} BEGIN {raise} END;
            """);
        return new StateWriteFault(database, name);
    }

    /// <summary>From now on, matching writes fail.</summary>
    public Task ArmAsync() => SetAsync(armed: true);

    /// <summary>From now on, matching writes succeed again.</summary>
    public Task DisarmAsync() => SetAsync(armed: false);

    /// <summary>Whether <paramref name="exception"/> (as the caller got it, across the cluster's client) is this fault's failure.</summary>
    public bool Caused(Exception exception) => exception.ToString().Contains($"{Message} ({_name})", StringComparison.Ordinal);

    private Task SetAsync(bool armed)
        => _database.ExecuteAsync("UPDATE test_faults SET armed = @armed WHERE name = @name", ("@armed", armed ? 1 : 0), ("@name", _name));

    private static string Literal(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";
}
