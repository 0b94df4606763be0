using System.Diagnostics;
using Spectre.Console;

namespace OrderActors.Benchmarks.Load;

/// <summary>
/// The HTTP load generator: <c>load --url URL [--workload spread|flash] [--concurrency 32 | --rate R] [--seconds 20]
/// [--warmup 5] …</c> (every option is on <see cref="LoadOptions"/>).
/// <list type="bullet">
/// <item><c>spread</c> stocks <c>--skus</c> SKUs with ample units and places one-line orders over them for
/// <c>--warmup</c> + <c>--seconds</c> seconds (or <c>--orders N</c> of them, e.g. to load history).</item>
/// <item><c>flash</c> stocks one SKU with <c>--stock</c> units (and an ample substitute), warms up on the substitute,
/// then sends <c>--orders</c> one-unit orders for the hot SKU and checks that exactly <c>--stock</c> were placed, the
/// rest refused with the API's out-of-stock answer offering the substitute, and that the SKU is not oversold.</item>
/// </list>
/// Closed model by default (<c>--concurrency</c> clients back to back); <c>--rate</c> switches to the open model.
/// Latencies go into an HdrHistogram; the result is a line (or a table on a terminal) and, with <c>--json</c>, one
/// JSON object with every figure. Exit code 0 when nothing failed and a flash sale passed its check.
/// </summary>
public static class OrderLoad
{
    private const int AmpleStock = 1_000_000;

    /// <summary>Runs the load and prints its result; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args);
        var label = options.Label ?? $"{options.Workload.ToString().ToLowerInvariant()} {(options.Rate is null ? "closed" : "open")}";
        var progress = new LoadProgress(label);
        using var api = new OrderApi(options.Url, options.StorefrontKey, options.OpsKey, Math.Max(32, options.Rate is null ? options.Concurrency : options.MaxOutstanding));

        var result = await progress.ShowAsync(() => RunAsync(options, label, api, progress));
        if (result is null)
        {
            return 0;
        }

        if (LoadProgress.IsLive)
        {
            AnsiConsole.Write(result.ToTable());
        }
        else
        {
            Console.WriteLine(result.ToLine());
        }

        if (options.Json == "-")
        {
            Console.WriteLine(result.ToJson());
        }
        else if (options.Json is { } path)
        {
            await File.WriteAllTextAsync(path, result.ToJson() + "\n");
        }

        return result.Passed ? 0 : 1;
    }

    private static async Task<LoadResult?> RunAsync(LoadOptions options, string label, OrderApi api, LoadProgress progress)
    {
        if (options.Stocking != "skip")
        {
            await StockAsync(options, api, progress);
            if (options.Stocking == "only")
            {
                return null;
            }
        }

        var flash = options.Workload == WorkloadKind.Flash;
        string SkuOf(long n) => flash ? options.FlashSku : options.SpreadSku(n);
        string CustomerOf(long n) => flash ? $"flash-{options.Run}-shopper-{n}" : $"load-customer-{n % 1000}";

        var recorder = new LoadRecorder();
        var warmupSeconds = options.Warmup;
        if (options.CountBound && warmupSeconds > 0)
        {
            // A count-bound run must not spend its orders warming up: the warm-up orders go to ample SKUs, unrecorded.
            progress.Phase("warm-up", target: $"{warmupSeconds} s");
            var warmupEnd = Stopwatch.GetTimestamp() + Ticks(warmupSeconds);
            await DriveAsync(options, null, warmupEnd,
                (n, start) => api.PlaceAsync(CustomerOf(n), flash ? options.FlashSubstitute : options.SpreadSku(n), start, null));
        }

        var begin = Stopwatch.GetTimestamp();
        var measureFrom = options.CountBound ? begin : begin + Ticks(warmupSeconds);
        var stopAt = measureFrom + Ticks(options.Seconds);
        var startCounters = options.PgStats is { } pg ? ReadCountersAtAsync(pg, measureFrom) : null;
        progress.Phase(options.CountBound ? "measuring" : "warm-up, then measuring", recorder,
            options.CountBound ? $"{options.Orders} orders" : $"{warmupSeconds} + {options.Seconds} s");
        await DriveAsync(options, options.Orders, stopAt,
            (n, start) => api.PlaceAsync(CustomerOf(n), SkuOf(n), start, start >= measureFrom ? recorder : null),
            (_, due, reason) =>
            {
                if (due >= measureFrom)
                {
                    recorder.Record(Outcome.Error, due, reason);
                }
            },
            begin);

        DatabaseCost? database = null;
        if (startCounters is not null)
        {
            var end = await PgCounters.ReadAsync(options.PgStats!);
            database = DatabaseCost.Of(end.Since(await startCounters), recorder.Answered);
        }

        FlashCheck? check = null;
        if (flash)
        {
            progress.Phase("checking the stock");
            check = FlashCheck.Judge(options.Stock, options.Orders!.Value, recorder, await api.GetStockAsync(options.FlashSku));
        }

        double? lag = null;
        if (options.ProjectionLag)
        {
            progress.Phase("projection lag");
            lag = (await api.ProjectionLagAsync($"lag-{options.Run}-{Environment.ProcessId}", flash ? options.FlashSubstitute : options.SpreadSku(0),
                TimeSpan.FromMinutes(5)))?.TotalMilliseconds ?? double.PositiveInfinity;
        }

        var measured = options.CountBound ? recorder.ElapsedSeconds : Math.Max(options.Seconds, recorder.ElapsedSeconds);
        return new LoadResult(label, options.Workload.ToString().ToLowerInvariant(), options.Rate is null ? "closed" : "open",
            options.Rate is null ? options.Concurrency : null, options.Rate, measured, warmupSeconds,
            recorder.Accepted, recorder.Refused, recorder.RefusedWithoutAlternative, recorder.Errors, recorder.ErrorKinds,
            recorder.Answered / Math.Max(0.001, measured), recorder.Accepted / Math.Max(0.001, measured), recorder.Latencies(),
            check, database, lag, DateTimeOffset.UtcNow);
    }

    private static Task DriveAsync(LoadOptions options, long? count, long stopAt, SendRequest send, RejectRequest? reject = null, long? begin = null)
        => options.Rate is { } rate
            ? LoadDrivers.OpenAsync(rate, options.MaxOutstanding, count, begin ?? Stopwatch.GetTimestamp(), stopAt, send, reject ?? ((_, _, _) => { }))
            : LoadDrivers.ClosedAsync(options.Concurrency, count, stopAt, send);

    private static async Task StockAsync(LoadOptions options, OrderApi api, LoadProgress progress)
    {
        if (options.Workload == WorkloadKind.Flash)
        {
            progress.Phase("stocking", target: $"{options.FlashSku}: {options.Stock} units");
            await api.StockAsync(options.FlashSubstitute, AmpleStock, []);
            await api.StockAsync(options.FlashSku, options.Stock, [options.FlashSubstitute]);
            return;
        }

        progress.Phase("stocking", target: $"{options.Skus} SKUs");
        await Parallel.ForAsync(0, options.Skus, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(32, options.Concurrency * 4) },
            async (i, cancellationToken) => await api.StockAsync(options.SpreadSku(i), AmpleStock, [], cancellationToken));
    }

    private static async Task<PgCounters> ReadCountersAtAsync(string connectionString, long at)
    {
        var wait = at - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
        }

        return await PgCounters.ReadAsync(connectionString);
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);
}
