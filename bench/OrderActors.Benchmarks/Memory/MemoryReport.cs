using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spectre.Console;

namespace OrderActors.Benchmarks.Memory;

/// <summary>The process at one point of the run, after a full blocking compacting collection.</summary>
/// <param name="Name">What the point is.</param>
/// <param name="ManagedBytes">Live managed heap (<see cref="GC.GetTotalMemory"/>).</param>
/// <param name="WorkingSetBytes">The process's working set (<see cref="Environment.WorkingSet"/>).</param>
/// <param name="Activations">Activations by grain class.</param>
/// <param name="Streams">Streams of the event log the pulling agents hold.</param>
/// <param name="StreamsRegistered">Streams the pulling agents have registered since the silo started.</param>
internal sealed record MemoryPoint(string Name, long ManagedBytes, long WorkingSetBytes, IReadOnlyDictionary<string, int> Activations, int Streams, int StreamsRegistered)
{
    public int ActivationsOf(string grainClass) => Activations.GetValueOrDefault(grainClass);
}

/// <summary>What deactivating something (or waiting for the streams to be forgotten) freed on the managed heap.</summary>
/// <param name="What">What was released.</param>
/// <param name="Activations">Activations deactivated, or streams forgotten (0 for a single projection).</param>
/// <param name="FreedBytes">Managed bytes freed.</param>
/// <param name="PerActivation">Freed bytes per activation or stream.</param>
/// <param name="PerOrder">Freed bytes per order.</param>
internal sealed record Release(string What, int Activations, long FreedBytes, double? PerActivation, double PerOrder);

/// <summary>What one order adds to a table, on average.</summary>
internal sealed record StoredPerOrder(string Table, string Kind, double Rows, double PayloadBytes);

/// <summary>Everything <c>memory</c> measured: printed as tables and written as JSON (<c>--json</c>).</summary>
internal sealed record MemoryReport(
    DateTimeOffset FinishedAt,
    string Machine,
    int WarmupOrders,
    int Orders,
    int Concurrency,
    int Skus,
    double OrdersPerSecond,
    IReadOnlyList<MemoryPoint> Points,
    double MeasuredLiveBytesPerOrder,
    double LiveWorkingSetBytesPerOrder,
    double StreamsPerOrder,
    IReadOnlyList<Release> Goes,
    IReadOnlyList<Release> Stays,
    IReadOnlyList<StoredPerOrder> Stored,
    double StoredPayloadBytesPerOrder,
    double DatabaseBytesPerOrder)
{
    /// <summary>Managed bytes of an order while its activations and streams live: all of <see cref="Goes"/> and <see cref="Stays"/>.</summary>
    public double LiveBytesPerOrder => Goes.Sum(r => r.PerOrder) + RetainedBytesPerOrder;

    /// <summary>Managed bytes an order leaves once its activations are collected and its streams forgotten.</summary>
    public double RetainedBytesPerOrder => Stays.Sum(r => r.PerOrder);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The processor count, OS, runtime and GC mode of this process.</summary>
    public static string ThisMachine()
        => $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
           $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC";

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Writes the tables to the console (120 columns wide when redirected).</summary>
    public void Write(string orderClass, string shipmentClass)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        }

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{FinishedAt:yyyy-MM-dd HH:mm} UTC; {Machine}; {WarmupOrders:N0} warm-up orders, then {Orders:N0} at {Concurrency} at a time " +
            $"over {Skus} SKUs ({OrdersPerSecond:0} orders/s)")));

        var points = new Table().Title("Memory at each point (after a full compacting GC)")
            .AddColumns("point", "managed MB", "working set MB", "activations", "order", "shipment", "other", "streams");
        foreach (var p in Points)
        {
            var total = p.Activations.Values.Sum();
            var (orders, shipments) = (p.ActivationsOf(orderClass), p.ActivationsOf(shipmentClass));
            points.AddRow(Markup.Escape(p.Name), Mb(p.ManagedBytes), Mb(p.WorkingSetBytes), N(total), N(orders), N(shipments), N(total - orders - shipments), N(p.Streams));
        }

        AnsiConsole.Write(points);

        var perOrder = new Table().Title("Managed bytes per order").AddColumns("what", "activations / streams", "freed MB", "B each", "B / order");
        foreach (var r in Goes.Concat(Stays))
        {
            perOrder.AddRow(Markup.Escape(r.What), r.Activations == 0 ? "" : N(r.Activations), Mb(r.FreedBytes), r.PerActivation is { } a ? B(a) : "", B(r.PerOrder));
        }

        perOrder.AddRow("an order while its activations and streams live", "", "", "", B(LiveBytesPerOrder));
        perOrder.AddRow("an order once they are gone (the rows from customers on)", "", "", "", B(RetainedBytesPerOrder));
        AnsiConsole.Write(perOrder);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Streams per order: {StreamsPerOrder:0.00}. Heap growth over the orders: {MeasuredLiveBytesPerOrder:N0} B per order (streams quiet for longer than " +
            $"the inactivity period already forgotten); working set growth: {LiveWorkingSetBytesPerOrder:N0} B per order.")));

        var stored = new Table().Title("Stored per order (growth over the measured orders)").AddColumns("table", "kind", "rows / order", "payload B / order");
        foreach (var s in Stored.Where(s => Math.Abs(s.Rows) >= 0.01 || Math.Abs(s.PayloadBytes) >= 1))
        {
            stored.AddRow(Markup.Escape(s.Table), Markup.Escape(s.Kind), s.Rows.ToString("0.00", CultureInfo.InvariantCulture), B(s.PayloadBytes));
        }

        stored.AddRow("all payloads", "", "", B(StoredPayloadBytesPerOrder));
        stored.AddRow("database size (pages)", "", "", B(DatabaseBytesPerOrder));
        AnsiConsole.Write(stored);
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string B(double bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024).ToString("0.0", CultureInfo.InvariantCulture);
}
