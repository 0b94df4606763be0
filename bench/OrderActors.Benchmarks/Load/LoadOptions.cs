using System.Globalization;

namespace OrderActors.Benchmarks.Load;

/// <summary>The workloads the load generator places.</summary>
internal enum WorkloadKind
{
    /// <summary>One-line orders spread over <see cref="LoadOptions.Skus"/> SKUs with ample stock: nothing is refused.</summary>
    Spread,

    /// <summary><see cref="LoadOptions.Orders"/> one-unit orders race for <see cref="LoadOptions.Stock"/> units of one SKU.</summary>
    Flash,
}

/// <summary>
/// The command line of <c>load</c>, as <c>--name value</c> pairs (a flag alone means <c>true</c>). Defaults are the
/// ones <c>bench/cluster.sh</c> and <c>bench/profile.sh</c> were written against, so their command lines keep working.
/// </summary>
internal sealed class LoadOptions
{
    /// <summary>The API's base address. Default <c>http://127.0.0.1:5080</c>.</summary>
    public Uri Url { get; private init; } = new("http://127.0.0.1:5080");

    /// <summary>Spread or flash. Default spread.</summary>
    public WorkloadKind Workload { get; private init; } = WorkloadKind.Spread;

    /// <summary>Measured seconds of a time-bound run (spread without <see cref="Orders"/>). Default 20.</summary>
    public int Seconds { get; private init; } = 20;

    /// <summary>Warm-up seconds before the measured part; flash warms up on its substitute SKU. Default 5.</summary>
    public int Warmup { get; private init; } = 5;

    /// <summary>Closed model: workers placing orders back to back. Default 32. Ignored when <see cref="Rate"/> is set.</summary>
    public int Concurrency { get; private init; } = 32;

    /// <summary>Open model: orders started per second at a constant rate, latency counted from each intended start. Default off.</summary>
    public double? Rate { get; private init; }

    /// <summary>Open model: requests in flight at most; an order due while this many are outstanding is dropped (an error). Default 1000.</summary>
    public int MaxOutstanding { get; private init; } = 1000;

    /// <summary>SKUs of the spread workload. Default 256.</summary>
    public int Skus { get; private init; } = 256;

    /// <summary>Orders to place: makes a spread run count-bound (e.g. to load history); flash always is. Default 10,000 for flash, none for spread.</summary>
    public int? Orders { get; private init; }

    /// <summary>Units of the flash SKU. Default 1000.</summary>
    public int Stock { get; private init; } = 1000;

    /// <summary>Whether to stock the SKUs first (<c>yes</c>), assume an earlier run with the same <see cref="Run"/> did (<c>skip</c>), or stock and exit (<c>only</c>). Default yes.</summary>
    public string Stocking { get; private init; } = "yes";

    /// <summary>Names this run's SKUs and customers, so runs on one database do not meet. Default the time of day.</summary>
    public string Run { get; private init; } = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

    /// <summary>A name for the result (a row of <c>compare.sh</c>'s table). Default the workload and model.</summary>
    public string? Label { get; private init; }

    /// <summary>Where to write the result as one JSON object; <c>-</c> prints it as a line after the human one. Default none.</summary>
    public string? Json { get; private init; }

    /// <summary>An Npgsql connection string of the API's database: commits and WAL bytes are counted around the measured part. Default none.</summary>
    public string? PgStats { get; private init; }

    /// <summary>After the load, place one more order and time until the order list (<c>GET /v1/reports/orders</c>) shows it. Default off.</summary>
    public bool ProjectionLag { get; private init; }

    /// <summary>The storefront API key (places orders). Default the Development key.</summary>
    public string StorefrontKey { get; private init; } = "dev-storefront-key";

    /// <summary>The ops API key (stocks SKUs, reads inventory and reports). Default the Development key.</summary>
    public string OpsKey { get; private init; } = "dev-ops-key";

    /// <summary>Whether the run is bound by <see cref="Orders"/> rather than by <see cref="Seconds"/>.</summary>
    public bool CountBound => Orders is not null;

    /// <summary>The flash sale's hot SKU.</summary>
    public string FlashSku => $"flash-{Run}";

    /// <summary>The flash SKU's substitute, offered to the refused; warm-up orders go to it.</summary>
    public string FlashSubstitute => $"flash-{Run}-alt";

    /// <summary>The name of the <paramref name="index"/>th spread SKU.</summary>
    public string SpreadSku(long index) => $"load-{Run}-{index % Skus}";

    /// <summary>Reads <c>--name value</c> pairs; throws <see cref="ArgumentException"/> naming the flag and the rule it breaks.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var line = new CommandLine(args);
        var workload = Enum.TryParse<WorkloadKind>(line.Take("workload") ?? "spread", ignoreCase: true, out var kind)
            ? kind : throw new ArgumentException("--workload must be spread or flash.");
        var options = new LoadOptions
        {
            Url = new Uri(line.Take("url") ?? "http://127.0.0.1:5080"),
            Workload = workload,
            Seconds = line.Int("seconds", 20, min: 1),
            Warmup = line.Int("warmup", 5, min: 0),
            Concurrency = line.Int("concurrency", 32, min: 1),
            Rate = line.Take("rate") is { } rate ? Positive("rate", double.Parse(rate, CultureInfo.InvariantCulture)) : null,
            MaxOutstanding = line.Int("max-outstanding", 1000, min: 1),
            Skus = line.Int("skus", 256, min: 1),
            Orders = line.Take("orders") is { } orders ? (int)Positive("orders", int.Parse(orders, CultureInfo.InvariantCulture))
                : workload == WorkloadKind.Flash ? 10_000 : null,
            Stock = line.Int("stock", 1000, min: 1),
            Stocking = line.Take("stocking") switch
            {
                null => "yes",
                { } stocking when stocking is "yes" or "skip" or "only" => stocking,
                _ => throw new ArgumentException("--stocking must be yes, skip or only."),
            },
            Run = line.Take("run") ?? DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture),
            Label = line.Take("label"),
            Json = line.Take("json"),
            PgStats = line.Take("pg-stats"),
            ProjectionLag = line.Take("projection-lag") is { } lag && bool.Parse(lag),
            StorefrontKey = line.Take("storefront-key") ?? "dev-storefront-key",
            OpsKey = line.Take("ops-key") ?? "dev-ops-key",
        };
        line.EnsureAllTaken();
        return options;
    }

    private static double Positive(string name, double value) => value > 0 ? value : throw new ArgumentException($"--{name} is {value}; it must be positive.");
}
