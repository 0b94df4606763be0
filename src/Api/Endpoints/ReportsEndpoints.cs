using System.Text;
using System.Text.Json;
using OrderActors.Api.Infrastructure;
using OrderActors.Grains.Reporting;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET  /v1/reports/orders-by-status                     orders per status and per channel (analytics)
/// GET  /v1/reports/sales?from=&amp;to=&amp;groupBy=day|sku|channel   units, revenue and orders per group and currency
/// GET  /v1/reports/sales.csv?…                          the same rows as CSV
/// GET  /v1/reports/inventory?limit=&amp;cursor=              every SKU's latest levels, by SKU, cursor-paged
/// GET  /v1/reports/low-stock?limit=                     SKUs at or below their threshold, lowest available first
/// PUT  /v1/reports/low-stock/{sku} {"threshold"}        a SKU's own threshold; null goes back to the default (ops)
/// GET  /v1/reports/kpis                                 cycle and fulfilment times, on-time, cancellation, refunds
/// GET  /v1/reports/orders?status=&amp;channel=&amp;customer=&amp;from=&amp;to=&amp;limit=&amp;cursor=   orders, newest first
/// GET  /v1/reports/orders.csv?status=&amp;channel=&amp;customer=&amp;from=&amp;to=     every matching order as CSV
/// GET  /v1/admin/subscriptions                          stream subscriptions: checkpoint, state, parked event and error
/// POST /v1/admin/subscriptions/{name}/skip {"reason"}   skip the event a parked subscription waits at
/// POST /v1/admin/subscriptions/{name}/retry             retry now
/// POST /v1/admin/subscriptions/{name}/reset             rebuild the projection from the beginning
/// </code>
/// Reports are projections of the streams, so they trail the writes by a moment: each carries the global stream
/// position (<c>checkpoint</c>) it includes, to compare with <c>GET /v1/events</c>.
/// </summary>
public static class ReportsEndpoints
{
    private const int CsvPage = 1000;

    public static IEndpointRouteBuilder MapReportsApiV1(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/reports/orders-by-status", async (IGrainFactory grains)
                => TypedResults.Ok(await grains.GetGrain<IOrdersByStatusGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey).GetAsync()))
            .WithTags("Reports").RequireAuthorization(Policies.ReadReports);

        var reports = routes.MapGroup("/v1/reports").WithTags("Reports");
        reports.MapGet("/sales", GetSalesAsync).RequireAuthorization(Policies.ReadReports);
        reports.MapGet("/sales.csv", GetSalesCsvAsync).RequireAuthorization(Policies.ReadReports);
        reports.MapGet("/inventory", GetInventoryAsync).RequireAuthorization(Policies.ReadReports);
        reports.MapGet("/low-stock", GetLowStockAsync).RequireAuthorization(Policies.ReadReports);
        reports.MapPut("/low-stock/{sku}", PutThresholdAsync).RequireAuthorization(Policies.ManageInventory);
        reports.MapGet("/kpis", async (IGrainFactory grains) => TypedResults.Ok(await Grain<IKpiReportGrain>(grains).GetAsync()))
            .RequireAuthorization(Policies.ReadReports);
        reports.MapGet("/orders", GetOrdersAsync).RequireAuthorization(Policies.ReadReports);
        reports.MapGet("/orders.csv", GetOrdersCsv).RequireAuthorization(Policies.ReadReports);

        var admin = routes.MapGroup("/v1/admin/subscriptions").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(new { subscriptions = await ProjectionAdmin.ListAsync(grains) }));
        admin.MapPost("/{name}/skip", SkipAsync);
        admin.MapPost("/{name}/retry", async (string name, IGrainFactory grains) =>
            await ProjectionAdmin.RunAsync(grains, name, p => p.RetryAsync()) is { } status ? Results.Ok(status) : Unknown(name));
        admin.MapPost("/{name}/reset", async (string name, IGrainFactory grains) =>
            await ProjectionAdmin.RunAsync(grains, name, p => p.RebuildAsync()) is { } status ? Results.Ok(status) : Unknown(name));
        return routes;
    }

    public sealed record SkipRequest(string? Reason);

    /// <summary>The body of <c>PUT /v1/reports/low-stock/{sku}</c>; a null threshold goes back to the default.</summary>
    public sealed record ThresholdRequest(int? Threshold);

    /// <summary>A page of the order list; <c>next</c> is the cursor of the following page, null on the last.</summary>
    public sealed record OrdersPage(long Checkpoint, IReadOnlyList<OrderListItem> Orders, string? Next);

    /// <summary>A page of stock levels; <c>next</c> is the cursor of the following page, null on the last.</summary>
    public sealed record InventoryPage(long Checkpoint, IReadOnlyList<InventoryLevel> Items, string? Next);

    public static async Task<IResult> GetSalesAsync(string? from, string? to, string? groupBy, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var query = ReportQueries.Sales(from, to, groupBy, Today(time), validation);
        return query is null ? Problems.Validation(validation.Errors) : TypedResults.Ok(await Grain<ISalesReportGrain>(grains).GetAsync(query));
    }

    public static async Task<IResult> GetSalesCsvAsync(string? from, string? to, string? groupBy, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var query = ReportQueries.Sales(from, to, groupBy, Today(time), validation);
        if (query is null)
        {
            return Problems.Validation(validation.Errors);
        }

        var report = await Grain<ISalesReportGrain>(grains).GetAsync(query);
        var csv = new StringBuilder();
        Csv.Row(csv, Name(query.GroupBy), "currency", "units", "revenue", "orders");
        foreach (var row in report.Rows)
        {
            Csv.Row(csv, row.Key, row.Currency, Csv.Number(row.Units), Csv.Money(row.Revenue), Csv.Number(row.Orders));
        }

        return TypedResults.Bytes(Encoding.UTF8.GetBytes(csv.ToString()), Csv.ContentType, $"sales-{query.From:yyyy-MM-dd}-{query.To:yyyy-MM-dd}-by-{Name(query.GroupBy)}.csv");
    }

    public static async Task<IResult> GetInventoryAsync(string? limit, string? cursor, IGrainFactory grains)
    {
        var validation = new Validation();
        var size = ReportQueries.Limit(limit, ReportQueries.DefaultInventoryPage, ReportQueries.MaxInventoryPage, validation);
        var after = cursor is null ? null : ReportQueries.SkuCursor(cursor, validation);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var page = await Grain<IInventoryReportGrain>(grains).GetLevelsAsync(after, size);
        return TypedResults.Ok(new InventoryPage(page.Checkpoint, page.Items, page.NextAfter is { } sku ? ReportQueries.SkuCursor(sku) : null));
    }

    public static async Task<IResult> GetLowStockAsync(string? limit, IGrainFactory grains)
    {
        var validation = new Validation();
        var size = ReportQueries.Limit(limit, ReportQueries.DefaultInventoryPage, ReportQueries.MaxInventoryPage, validation);
        return validation.IsValid ? TypedResults.Ok(await Grain<IInventoryReportGrain>(grains).GetLowStockAsync(size)) : Problems.Validation(validation.Errors);
    }

    public static async Task<IResult> PutThresholdAsync(string sku, ThresholdRequest? body, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, "SKU");
        if (validation.Required("body", body) && body!.Threshold is < 0 or > ReportQueries.MaxThreshold)
        {
            validation.Add("threshold", $"{body.Threshold} must be between 0 and {ReportQueries.MaxThreshold}, or null for the default.");
        }

        return validation.IsValid
            ? TypedResults.Ok(await Grain<IInventoryReportGrain>(grains).SetThresholdAsync(sku, body!.Threshold))
            : Problems.Validation(validation.Errors);
    }

    public static async Task<IResult> GetOrdersAsync(
        string? status, string? channel, string? customer, string? from, string? to, string? limit, string? cursor, IGrainFactory grains)
    {
        var validation = new Validation();
        var query = ReportQueries.Orders(status, channel, customer, from, to, limit, cursor, validation);
        if (query is null)
        {
            return Problems.Validation(validation.Errors);
        }

        var page = await Grain<IOrderListGrain>(grains).ListAsync(query);
        return TypedResults.Ok(new OrdersPage(page.Checkpoint, page.Orders, page.Next is { } next ? ReportQueries.OrderCursor(next) : null));
    }

    // Every matching order, newest first, read from the projection a page at a time while the response is written.
    public static IResult GetOrdersCsv(string? status, string? channel, string? customer, string? from, string? to, IGrainFactory grains)
    {
        var validation = new Validation();
        var query = ReportQueries.Orders(status, channel, customer, from, to, null, null, validation);
        if (query is null)
        {
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Stream(async body =>
        {
            var list = Grain<IOrderListGrain>(grains);
            var csv = new StringBuilder();
            Csv.Row(csv, "id", "status", "paymentStatus", "fulfillmentStatus", "channel", "customerId", "currency", "subtotal", "placedAt");
            var next = query with { Limit = CsvPage };
            while (true)
            {
                var page = await list.ListAsync(next);
                foreach (var o in page.Orders)
                {
                    Csv.Row(csv, o.Id, Name(o.Status), Name(o.PaymentStatus), Name(o.FulfillmentStatus), Name(o.Channel), Csv.Text(o.CustomerId),
                        o.Currency, Csv.Money(o.Subtotal), Csv.Time(o.PlacedAt));
                }

                await body.WriteAsync(Encoding.UTF8.GetBytes(csv.ToString()));
                csv.Clear();
                if (page.Next is null)
                {
                    return;
                }

                next = next with { After = page.Next };
            }
        }, Csv.ContentType, "orders.csv");
    }

    private static T Grain<T>(IGrainFactory grains) where T : IGrainWithStringKey => grains.GetGrain<T>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey);

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Skips the event a parked projection stopped at; 409 when it is not parked.</summary>
    public static async Task<IResult> SkipAsync(string name, SkipRequest? body, IGrainFactory grains, HttpContext http)
    {
        var current = await ProjectionAdmin.RunAsync(grains, name, p => p.GetStatusAsync());
        if (current is null)
        {
            return Unknown(name);
        }

        if (current.State != "parked")
        {
            return Problems.Result(409, "subscription-not-parked", "The subscription is not parked.", $"'{name}' is {current.State}; only a parked subscription has an event to skip.");
        }

        var reason = $"{body?.Reason ?? "skipped by an admin"} ({http.User.Identity?.Name})";
        return Results.Ok(await ProjectionAdmin.RunAsync(grains, name, p => p.SkipAsync(reason)));
    }

    private static IResult Unknown(string name) => Problems.Result(404, "subscription-not-found", "No such subscription.", $"There is no subscription '{name}'.");
}
