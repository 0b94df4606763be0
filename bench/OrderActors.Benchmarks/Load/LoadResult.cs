using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// Everything one run measured, written as one JSON object (<c>--json</c>) and as a human line or table.
/// Throughput counts decided requests (placed or refused) per second of the measured part, so a flash sale's
/// refusals count as the work they are; <see cref="AcceptedPerSecond"/> counts placed orders only.
/// </summary>
internal sealed record LoadResult(
    string Label,
    string Workload,
    string Model,
    int? Concurrency,
    double? Rate,
    double MeasuredSeconds,
    double WarmupSeconds,
    long Accepted,
    long Refused,
    long RefusedWithoutAlternative,
    long Errors,
    IReadOnlyDictionary<string, int> ErrorKinds,
    double Throughput,
    double AcceptedPerSecond,
    Latencies LatencyMs,
    FlashCheck? Flash,
    DatabaseCost? Database,
    double? ProjectionLagMs,
    DateTimeOffset FinishedAt)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Whether the run is a success: no errors, and a flash sale passed its check.</summary>
    public bool Passed => Errors == 0 && RefusedWithoutAlternative == 0 && Flash?.Passed != false;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>One line: what <c>cluster.sh</c> and <c>profile.sh</c> print, and what a captured run shows.</summary>
    public string ToLine()
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"orders/s {Throughput:0} | p50 {LatencyMs.P50:0.0} ms | p95 {LatencyMs.P95:0.0} ms | p99 {LatencyMs.P99:0.0} ms | max {LatencyMs.Max:0.0} ms | " +
            $"placed {Accepted} | refused {Refused + RefusedWithoutAlternative} | failed {Errors} | {Load()} | {MeasuredSeconds:0.0} s after {WarmupSeconds:0} s warm-up");
        if (Database is { } db)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" | {db.CommitsPerOrder:0.0} commits, {db.WalBytesPerOrder / 1024:0.0} KB WAL per order");
        }

        if (ProjectionLagMs is { } lag)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" | projection lag {lag:0} ms");
        }

        if (Flash is { } flash)
        {
            line += $" | flash {(flash.Passed ? "PASS" : "FAIL")}: {flash.Verdict}";
        }

        return line + (ErrorKinds.Count == 0 ? "" : " | errors: " + string.Join(", ", ErrorKinds.Select(e => $"{e.Value} x {e.Key}")));
    }

    /// <summary>The same figures as a table, for a terminal.</summary>
    public Table ToTable()
    {
        var table = new Table().Title(Markup.Escape($"{Label}: {Workload}, {Load()}")).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("orders/s (decided)", Throughput.ToString("0", CultureInfo.InvariantCulture));
        Row("p50 / p95 / p99 / max ms", string.Create(CultureInfo.InvariantCulture, $"{LatencyMs.P50:0.0} / {LatencyMs.P95:0.0} / {LatencyMs.P99:0.0} / {LatencyMs.Max:0.0}"));
        Row("placed / refused / errors", $"{Accepted} / {Refused + RefusedWithoutAlternative} / {Errors}");
        Row("measured", string.Create(CultureInfo.InvariantCulture, $"{MeasuredSeconds:0.0} s after {WarmupSeconds:0} s warm-up"));
        if (Database is { } db)
        {
            Row("commits / WAL per order", string.Create(CultureInfo.InvariantCulture, $"{db.CommitsPerOrder:0.0} / {db.WalBytesPerOrder / 1024:0.0} KB"));
        }

        if (ProjectionLagMs is { } lag)
        {
            Row("projection lag", lag.ToString("0", CultureInfo.InvariantCulture) + " ms");
        }

        if (Flash is { } flash)
        {
            Row("flash check", (flash.Passed ? "PASS: " : "FAIL: ") + flash.Verdict);
        }

        foreach (var (kind, count) in ErrorKinds)
        {
            Row("error: " + kind, count.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    private string Load() => Rate is { } rate
        ? string.Create(CultureInfo.InvariantCulture, $"open model at {rate:0.#}/s")
        : $"{Concurrency} concurrent clients";
}

/// <summary>
/// The flash sale's verdict: exactly <see cref="Stock"/> of <see cref="Orders"/> placed, every other one refused with
/// an alternative, and the SKU's stock afterwards showing exactly the placed units taken (none oversold).
/// </summary>
internal sealed record FlashCheck(int Stock, int Orders, long Accepted, long Refused, StockLevels After, bool Passed, string Verdict)
{
    public static FlashCheck Judge(int stock, int orders, LoadRecorder recorder, StockLevels after)
    {
        var taken = stock - after.Available;
        var problems = new List<string>();
        if (recorder.Accepted != stock)
        {
            problems.Add($"{recorder.Accepted} placed, expected exactly {stock}");
        }

        if (recorder.Refused != orders - stock)
        {
            problems.Add($"{recorder.Refused} refused with an alternative, expected {orders - stock}");
        }

        if (after.Available < 0 || taken != recorder.Accepted || after.Reserved > after.OnHand)
        {
            problems.Add($"stock afterwards on hand {after.OnHand}, reserved {after.Reserved}, committed {after.Committed}, available {after.Available}: " +
                         $"{taken} units taken for {recorder.Accepted} placed orders");
        }

        var verdict = problems.Count == 0
            ? $"{recorder.Accepted} placed, {recorder.Refused} refused with alternatives, {after.Available} available afterwards, no oversell"
            : string.Join("; ", problems);
        return new FlashCheck(stock, orders, recorder.Accepted, recorder.Refused, after, problems.Count == 0, verdict);
    }
}

/// <summary>What the measured part cost the database, per decided order request.</summary>
internal sealed record DatabaseCost(PgCounters Delta, double CommitsPerOrder, double WalBytesPerOrder, double StatCommitsPerOrder)
{
    public static DatabaseCost Of(PgCounters delta, long orders)
    {
        var n = Math.Max(1, orders);
        return new DatabaseCost(delta, delta.WriteTransactions / (double)n, delta.WalLsn / (double)n, delta.StatCommits / (double)n);
    }
}
