using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.EventLog;
using OrderActors.Grains.Reporting;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET  /v1/reports/orders-by-status                     orders per status and per channel (analytics)
/// GET  /v1/reports/sales?from=&amp;to=&amp;groupBy=day|sku|channel   units, net revenue, orders, discount, tax and shipping per group and currency
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
    private const string CsvMediaType = "text/csv";

    public static IEndpointRouteBuilder MapReportsApiV1(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/reports/orders-by-status", async (IGrainFactory grains)
                => TypedResults.Ok(await grains.GetGrain<IOrdersByStatusGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey).GetAsync()))
            .WithTags("Reports").RequireAuthorization(Policies.ReadReports)
            .WithName("GetOrdersByStatus").WithSummary("Orders per status and per channel, live from the streams");

        var reports = routes.MapGroup("/v1/reports").WithTags("Reports");
        reports.MapGet("/sales", GetSalesAsync).RequireAuthorization(Policies.ReadReports)
            .WithName("GetSales").WithSummary("Units, net revenue (after discounts and refunded units, without tax), orders, discount, tax and shipping per day, SKU or channel, per currency")
            .ProducesProblems(422);
        reports.MapGet("/sales.csv", GetSalesCsvAsync).RequireAuthorization(Policies.ReadReports)
            .WithName("GetSalesCsv").WithSummary("The sales report's rows as CSV")
            .Produces<string>(StatusCodes.Status200OK, CsvMediaType)
            .ProducesProblems(422);
        reports.MapGet("/inventory", GetInventoryAsync).RequireAuthorization(Policies.ReadReports)
            .WithName("GetInventoryReport").WithSummary("Latest stock levels per SKU, by SKU, cursor-paged")
            .ProducesProblems(422);
        reports.MapGet("/low-stock", GetLowStockAsync).RequireAuthorization(Policies.ReadReports)
            .WithName("GetLowStock").WithSummary("SKUs whose available stock is at or below their threshold, lowest first")
            .ProducesProblems(422);
        reports.MapPut("/low-stock/{sku}", PutThresholdAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("PutLowStockThreshold").WithSummary("A SKU's own low-stock threshold; null goes back to the default")
            .ProducesProblems(422);
        reports.MapGet("/kpis", async (IGrainFactory grains) => TypedResults.Ok(await Grain<IKpiReportGrain>(grains).GetAsync()))
            .RequireAuthorization(Policies.ReadReports)
            .WithName("GetKpis").WithSummary("Cycle and fulfilment times, on-time, cancellation and return rates, refunds, rating");
        reports.MapGet("/orders", GetOrdersAsync).RequireAuthorization(Policies.ReadReports)
            .WithName("ListOrders").WithSummary("Orders newest first, filtered by status, channel, customer and dates, cursor-paged")
            .ProducesProblems(422);
        reports.MapGet("/orders.csv", GetOrdersCsv).RequireAuthorization(Policies.ReadReports)
            .WithName("ListOrdersCsv").WithSummary("Every matching order as CSV")
            .Produces<string>(StatusCodes.Status200OK, CsvMediaType)
            .ProducesProblems(422);

        var admin = routes.MapGroup("/v1/admin/subscriptions").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(new SubscriptionsResponse(await ProjectionAdmin.ListAsync(grains))))
            .WithName("ListSubscriptions").WithSummary("Stream subscriptions: checkpoint, state, a parked event and its error");
        admin.MapPost("/{name}/skip", SkipAsync)
            .WithName("SkipSubscriptionEvent").WithSummary("Skip the event a parked subscription waits at")
            .ProducesProblems(404, 409);
        admin.MapPost("/{name}/retry", (string name, IGrainFactory grains) => RunAsync(grains, name, p => p.RetryAsync()))
            .WithName("RetrySubscription").WithSummary("Retry a parked subscription now")
            .ProducesProblems(404);
        admin.MapPost("/{name}/reset", (string name, IGrainFactory grains) => RunAsync(grains, name, p => p.RebuildAsync()))
            .WithName("ResetSubscription").WithSummary("Rebuild a projection from the beginning of the streams")
            .ProducesProblems(404);
        return routes;
    }

    public sealed record SkipRequest(string? Reason);

    /// <summary>The body of <c>GET /v1/admin/subscriptions</c>.</summary>
    public sealed record SubscriptionsResponse(IReadOnlyList<SubscriptionStatus> Subscriptions);

    /// <summary>The body of <c>PUT /v1/reports/low-stock/{sku}</c>; a null threshold goes back to the default.</summary>
    public sealed record ThresholdRequest(int? Threshold);

    /// <summary>A page of the order list; <c>next</c> is the cursor of the following page, null on the last.</summary>
    public sealed record OrdersPage(long Checkpoint, IReadOnlyList<OrderListItem> Orders, string? Next);

    /// <summary>A page of stock levels; <c>next</c> is the cursor of the following page, null on the last.</summary>
    public sealed record InventoryPage(long Checkpoint, IReadOnlyList<InventoryLevel> Items, string? Next);

    public static async Task<Results<Ok<SalesReport>, ProblemHttpResult>> GetSalesAsync(string? from, string? to, string? groupBy, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var query = ReportQueries.Sales(from, to, groupBy, Today(time), validation);
        return query is null ? Problems.Validation(validation.Errors) : TypedResults.Ok(await Grain<ISalesReportGrain>(grains).GetAsync(query));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetSalesCsvAsync(string? from, string? to, string? groupBy, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var query = ReportQueries.Sales(from, to, groupBy, Today(time), validation);
        if (query is null)
        {
            return Problems.Validation(validation.Errors);
        }

        var report = await Grain<ISalesReportGrain>(grains).GetAsync(query);
        var csv = new StringBuilder();
        Csv.Row(csv, Name(query.GroupBy), "currency", "units", "revenue", "orders", "discount", "tax", "shipping");
        foreach (var row in report.Rows)
        {
            Csv.Row(csv, row.Key, row.Currency, Csv.Number(row.Units), Csv.Money(row.Revenue), Csv.Number(row.Orders), Csv.Money(row.Discount), Csv.Money(row.Tax), Csv.Money(row.Shipping));
        }

        return TypedResults.Bytes(Encoding.UTF8.GetBytes(csv.ToString()), Csv.ContentType, $"sales-{query.From:yyyy-MM-dd}-{query.To:yyyy-MM-dd}-by-{Name(query.GroupBy)}.csv");
    }

    public static async Task<Results<Ok<InventoryPage>, ProblemHttpResult>> GetInventoryAsync(string? limit, string? cursor, IGrainFactory grains)
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

    public static async Task<Results<Ok<LowStockReport>, ProblemHttpResult>> GetLowStockAsync(string? limit, IGrainFactory grains)
    {
        var validation = new Validation();
        var size = ReportQueries.Limit(limit, ReportQueries.DefaultInventoryPage, ReportQueries.MaxInventoryPage, validation);
        return validation.IsValid ? TypedResults.Ok(await Grain<IInventoryReportGrain>(grains).GetLowStockAsync(size)) : Problems.Validation(validation.Errors);
    }

    public static async Task<Results<Ok<LowStockThreshold>, ProblemHttpResult>> PutThresholdAsync(string sku, ThresholdRequest? body, IGrainFactory grains)
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

    public static async Task<Results<Ok<OrdersPage>, ProblemHttpResult>> GetOrdersAsync(
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
    public static Results<PushStreamHttpResult, ProblemHttpResult> GetOrdersCsv(string? status, string? channel, string? customer, string? from, string? to, IGrainFactory grains)
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
    public static async Task<Results<Ok<SubscriptionStatus>, ProblemHttpResult>> SkipAsync(string name, SkipRequest? body, IGrainFactory grains, HttpContext http)
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
        return await RunAsync(grains, name, p => p.SkipAsync(reason));
    }

    private static async Task<Results<Ok<SubscriptionStatus>, ProblemHttpResult>> RunAsync(
        IGrainFactory grains, string name, Func<IEventLogProjection, Task<ProjectionStatus>> action)
        => await ProjectionAdmin.RunAsync(grains, name, action) is { } status ? TypedResults.Ok(status) : Unknown(name);

    private static ProblemHttpResult Unknown(string name) => Problems.Result(404, "subscription-not-found", "No such subscription.", $"There is no subscription '{name}'.");
}
