using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.EventLog;
using OrderActors.Grains;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST /v1/inventory/{sku}/adjustments                         {"location","delta","reason","note","reference"} (ops, Idempotency-Key honoured)
/// POST /v1/inventory/{sku}/transfers                           {"from","to","quantity","note","reference"} (ops, Idempotency-Key honoured)
/// POST /v1/inventory/{sku}/transfers/{transferId}/receive      {"received","shortfallReason","note"} (ops)
/// POST /v1/inventory/{sku}/transfers/{transferId}/cancel       {"note"} (ops)
/// GET  /v1/inventory/{sku}/movements?location=&amp;limit=&amp;after=  the SKU's movement history, newest first
/// </code>
/// Every movement is decided by the SKU's inventory grain, in turn with its reservations; the history is read from the
/// SKU's <c>stock-movements</c> stream, where the n-th movement is the n-th event.
/// </summary>
public static class StockMovementEndpoints
{
    public const int MaxPage = 500;
    public const int DefaultPage = 50;

    /// <summary>
    /// The most movements one page reads looking for a location's: past it the page may hold fewer than asked, and
    /// <c>next</c> goes on from where it stopped. So a page costs a bounded read however long the history is.
    /// </summary>
    public const int MaxScanned = 5_000;

    private const int ScanChunk = 500;

    public static RouteGroupBuilder MapStockMovementsApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/inventory/{sku}").WithTags("Inventory");
        group.MapPost("/adjustments", AdjustAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("AdjustStock").WithSummary("Add or remove units at a location for a reason: receipt, cycle count, damage, write-off, correction")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/transfers", TransferAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("StartTransfer").WithSummary("Send available units from one location to another: they leave now and are in transit until received")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/transfers/{transferId}/receive", ReceiveAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("ReceiveTransfer").WithSummary("Land a transfer at its destination; units that did not arrive are written off there")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/transfers/{transferId}/cancel", CancelAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("CancelTransfer").WithSummary("Call off a transfer in transit: its units go back where they left")
            .ProducesProblems(404, 409, 422);
        group.MapGet("/movements", GetMovementsAsync).RequireAuthorization(Policies.ReadInventory)
            .WithName("GetStockMovements").WithSummary("The SKU's stock movements, newest first, optionally at one location")
            .ProducesProblems(404, 422);
        return group;
    }

    /// <summary>The body of <c>POST /v1/inventory/{sku}/adjustments</c>.</summary>
    public sealed record AdjustmentRequest(string? Location, int? Delta, string? Reason, string? Note, string? Reference);

    /// <summary>The body of <c>POST /v1/inventory/{sku}/transfers</c>.</summary>
    public sealed record TransferRequest(string? From, string? To, int? Quantity, string? Note, string? Reference);

    /// <summary>The body of <c>POST /v1/inventory/{sku}/transfers/{transferId}/receive</c>.</summary>
    public sealed record ReceiveTransferRequest(int? Received, string? ShortfallReason, string? Note);

    /// <summary>The body of <c>POST /v1/inventory/{sku}/transfers/{transferId}/cancel</c> (optional).</summary>
    public sealed record CancelTransferRequest(string? Note);

    /// <summary>A page of movements, newest first; <c>next</c> is the <c>after</c> of the following page, null on the last.</summary>
    public sealed record StockMovementsPage(IReadOnlyList<StockMovement> Movements, long? Next);

    public static async Task<Results<Created<StockAdjusted>, ProblemHttpResult>> AdjustAsync(string sku, AdjustmentRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        validation.Identifier("sku", sku, "SKU");
        validation.Identifier("location", body?.Location, "location id");
        if (validation.Required("delta", body?.Delta) && body!.Delta is 0 or < -DomainLimits.MaxOnHandPerLocation or > DomainLimits.MaxOnHandPerLocation)
        {
            validation.Add("delta", $"{body.Delta} must be between -{DomainLimits.MaxOnHandPerLocation} and {DomainLimits.MaxOnHandPerLocation}, and not 0.");
        }

        var reason = validation.SnakeCaseEnum<StockReason>("reason", body?.Reason);
        var (note, reference) = NoteAndReference(validation, body?.Note, body?.Reference);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var adjusted = await grains.GetGrain<IInventoryGrain>(sku).AdjustStockAsync(
            new AdjustStock(body!.Location!, body.Delta!.Value, reason!.Value, note, reference, http.User.ToActor(), key));
        return TypedResults.Created($"/v1/inventory/{sku}/movements", adjusted);
    }

    public static async Task<Results<Created<TransferView>, ProblemHttpResult>> TransferAsync(string sku, TransferRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        validation.Identifier("sku", sku, "SKU");
        validation.Identifier("from", body?.From, "location id");
        validation.Identifier("to", body?.To, "location id");
        if (body?.From is { } from && from == body.To)
        {
            validation.Add("to", "is the location the units leave; a transfer goes to another one.");
        }

        if (validation.Required("quantity", body?.Quantity) && body!.Quantity is < 1 or > DomainLimits.MaxOnHandPerLocation)
        {
            validation.Add("quantity", $"{body.Quantity} must be between 1 and {DomainLimits.MaxOnHandPerLocation}.");
        }

        var (note, reference) = NoteAndReference(validation, body?.Note, body?.Reference);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var started = await grains.GetGrain<IInventoryGrain>(sku).TransferStockAsync(
            new TransferStock(body!.From!, body.To!, body.Quantity!.Value, note, reference, http.User.ToActor(), key));
        return TypedResults.Created($"/v1/inventory/{sku}", started);
    }

    public static async Task<Results<Ok<TransferView>, ProblemHttpResult>> ReceiveAsync(string sku, string transferId, ReceiveTransferRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        if (validation.Required("received", body?.Received) && body!.Received is < 0 or > DomainLimits.MaxOnHandPerLocation)
        {
            validation.Add("received", $"{body.Received} must be between 0 and {DomainLimits.MaxOnHandPerLocation}.");
        }

        var reason = body?.ShortfallReason is { } named ? validation.SnakeCaseEnum<StockReason>("shortfallReason", named) : null;
        var note = validation.Text("note", body?.Note, DomainLimits.MaxTextLength, required: false);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return Validation.IsIdentifier(sku) && Validation.IsIdentifier(transferId)
            ? TypedResults.Ok(await grains.GetGrain<IInventoryGrain>(sku).ReceiveTransferAsync(new ReceiveTransfer(transferId, body!.Received!.Value, reason, note, http.User.ToActor())))
            : TransferNotFound(sku, transferId);
    }

    public static async Task<Results<Ok<TransferView>, ProblemHttpResult>> CancelAsync(string sku, string transferId, CancelTransferRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var note = validation.Text("note", body?.Note, DomainLimits.MaxTextLength, required: false);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return Validation.IsIdentifier(sku) && Validation.IsIdentifier(transferId)
            ? TypedResults.Ok(await grains.GetGrain<IInventoryGrain>(sku).CancelTransferAsync(new CancelTransfer(transferId, note, http.User.ToActor())))
            : TransferNotFound(sku, transferId);
    }

    public static async Task<Results<Ok<StockMovementsPage>, ProblemHttpResult>> GetMovementsAsync(
        string sku, string? location, int? limit, long? after, HttpContext http, IGrainFactory grains,
        [FromKeyedServices(OrderActorsStorage.EventLog)] IEventLogReader log)
    {
        if (!Validation.IsIdentifier(sku))
        {
            return InventoryEndpoints.UnknownSku(sku);
        }

        var validation = new Validation();
        if (location is not null)
        {
            validation.Identifier("location", location, "location id");
        }

        if (limit is < 1 or > MaxPage)
        {
            validation.Add("limit", $"must be between 1 and {MaxPage}.");
        }

        if (after < 1)
        {
            validation.Add("after", "must be 1 or more: the number of the last movement of the previous page.");
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (await grains.GetGrain<IInventoryGrain>(sku).GetAsync() is not { } stock)
        {
            return InventoryEndpoints.UnknownSku(sku);
        }

        var newest = Math.Min((after ?? long.MaxValue) - 1, stock.LastMovement);
        var json = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return TypedResults.Ok(await ReadNewestFirstAsync(log, sku, location, newest, limit ?? DefaultPage, json, http.RequestAborted));
    }

    // Movement n is event n of the SKU's movements stream (sequences have no gaps), so a page newest first reads the
    // numbers below its cursor backwards, a chunk at a time, without the reservations that share the levels' stream.
    private static async Task<StockMovementsPage> ReadNewestFirstAsync(
        IEventLogReader log, string sku, string? location, long newest, int limit, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var page = new List<StockMovement>(limit);
        var below = newest + 1;
        var scanned = 0L;
        while (below > 1 && scanned < MaxScanned)
        {
            var chunk = (int)Math.Min(below - 1, location is null ? limit - page.Count : ScanChunk);
            var after = below - 1 - chunk;
            var entries = await log.ReadStreamAsync(StreamNamespaces.StockMovements, sku, after, chunk, cancellationToken);
            foreach (var entry in entries.Reverse())
            {
                var movement = JsonSerializer.Deserialize<StockMoved>(entry.Payload, json)!.Movement;
                if (location is null || movement.Location == location)
                {
                    page.Add(movement);
                    if (page.Count == limit)
                    {
                        return new StockMovementsPage(page, entry.Sequence > 1 ? entry.Sequence : null);
                    }
                }
            }

            below = after + 1;
            scanned += chunk;
        }

        return new StockMovementsPage(page, below > 1 ? below : null);
    }

    private static (string? Note, string? Reference) NoteAndReference(Validation validation, string? note, string? reference)
        => (validation.Text("note", note, DomainLimits.MaxTextLength, required: false),
            validation.Text("reference", reference, DomainLimits.MaxNameLength, required: false));

    private static ProblemHttpResult TransferNotFound(string sku, string transferId)
        => Problems.Result(404, "transfer-not-found", "Transfer not found.", $"SKU '{sku}' has no transfer '{transferId}'.");
}
