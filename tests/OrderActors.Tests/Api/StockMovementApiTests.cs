using System.Net.Http.Json;
using System.Text.Json;
using OrderActors.Api.Endpoints;
using OrderActors.Grains.Inventory;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Adjustments, transfers and the movement history through HTTP: bodies, statuses, idempotent retries, reports.</summary>
public sealed class StockMovementApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<string> StockedAsync(int main = 10, int east = 0)
    {
        var sku = ApiFixture.NewSku();
        var locations = new Dictionary<string, int> { ["main"] = main };
        if (east > 0)
        {
            locations["east"] = east;
        }

        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations })).EnsureSuccessStatusCode();
        return sku;
    }

    private Task<HttpResponseMessage> PostAsync(string url, object? body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, options: ApiFactory.Json) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return fixture.Ops.SendAsync(request);
    }

    private async Task<InventoryView> StockAsync(string sku) => await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"stock of {sku}");

    private async Task<StockMovementEndpoints.StockMovementsPage> MovementsAsync(string sku, string query = "")
        => await (await fixture.Storefront.GetAsync($"/v1/inventory/{sku}/movements{query}")).ReadAsync<StockMovementEndpoints.StockMovementsPage>(200, $"movements{query}");

    [Fact]
    public async Task Adjustments_add_and_remove_units_and_written_off_units_are_visible()
    {
        var sku = await StockedAsync(main: 10);
        var receipt = await (await PostAsync($"/v1/inventory/{sku}/adjustments", new { location = "main", delta = 5, reason = "receipt", reference = "po-77" }))
            .ReadAsync<StockAdjusted>(201, "receipt");
        Assert.Equal((MovementKind.Adjusted, StockReason.Receipt, 5, 15, "po-77"), (receipt.Movement.Kind, receipt.Movement.Reason, receipt.Movement.Delta, receipt.Movement.OnHand, receipt.Movement.Reference));
        Assert.Equal("dev-ops", receipt.Movement.Actor?.Id);
        Assert.Equal(15, receipt.Stock.OnHand);

        var damage = await PostAsync($"/v1/inventory/{sku}/adjustments", new { location = "main", delta = -2, reason = "damage", note = "forklift" });
        Assert.Equal($"/v1/inventory/{sku}/movements", damage.Headers.Location?.OriginalString);
        await damage.ReadAsync<StockAdjusted>(201, "damage");
        (await PostAsync($"/v1/inventory/{sku}/adjustments", new { location = "north", delta = 3, reason = "cycle_count" })).EnsureSuccessStatusCode();

        var stock = await StockAsync(sku);
        Assert.Equal((16, 2, 0), (stock.OnHand, stock.WrittenOff, stock.InTransit));
        Assert.Equal([("main", 13, 2), ("north", 3, 0)], stock.Locations.Select(l => (l.Location, l.OnHand, l.WrittenOff)));
        var raw = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}")).RootElement;
        Assert.Equal(2, raw.GetProperty("locations")[0].GetProperty("writtenOff").GetInt32());
    }

    [Fact]
    public async Task Bad_adjustments_are_422_404_409_or_403_and_change_nothing()
    {
        var sku = await StockedAsync(main: 3);
        var before = await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}");
        var url = $"/v1/inventory/{sku}/adjustments";

        var problem = await (await PostAsync(url, new { location = "a b", delta = 0, reason = "theft" })).AssertProblemAsync(422, "validation-failed", "bad fields");
        Assert.Equal(["delta", "location", "reason"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        await (await PostAsync(url, new { })).AssertProblemAsync(422, "validation-failed", "empty body");
        await (await PostAsync(url, new { location = "main", delta = 2_000_000_000, reason = "receipt" })).AssertProblemAsync(422, "validation-failed", "past the bound");
        problem = await (await PostAsync(url, new { location = "main", delta = 1, reason = "damage" })).AssertProblemAsync(422, "validation-failed", "damage that adds");
        Assert.True(problem.GetProperty("errors").TryGetProperty("delta", out _));
        await (await PostAsync(url, new { location = "main", delta = -4, reason = "write_off" })).AssertProblemAsync(409, "insufficient-stock", "more than on hand");
        await (await PostAsync(url, new { location = "west", delta = -1, reason = "correction" })).AssertProblemAsync(409, "insufficient-stock", "a location without stock");
        await (await PostAsync($"/v1/inventory/{ApiFixture.NewSku()}/adjustments", new { location = "main", delta = 1, reason = "receipt" }))
            .AssertProblemAsync(404, "unknown-sku", "never stocked");
        await (await PostAsync($"/v1/inventory/{sku}%0A/adjustments", new { location = "main", delta = 1, reason = "receipt" }))
            .AssertProblemAsync(422, "validation-failed", "SKU with a newline");
        await (await fixture.Storefront.PostJsonAsync(url, new { location = "main", delta = 1, reason = "receipt" })).AssertProblemAsync(403, "forbidden", "storefront");
        Assert.Equal(before, await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}"));
    }

    [Fact]
    public async Task A_retried_adjustment_or_transfer_with_its_idempotency_key_is_applied_once()
    {
        var sku = await StockedAsync(main: 10);
        var adjustment = new { location = "main", delta = 4, reason = "receipt" };
        var first = await (await PostAsync($"/v1/inventory/{sku}/adjustments", adjustment, "grn-1")).ReadAsync<StockAdjusted>(201, "first");
        var retry = await (await PostAsync($"/v1/inventory/{sku}/adjustments", adjustment, "grn-1")).ReadAsync<StockAdjusted>(201, "retry");
        Assert.Equal(first.Movement, retry.Movement);
        Assert.Equal(14, retry.Stock.OnHand);
        await (await PostAsync($"/v1/inventory/{sku}/adjustments", adjustment with { delta = 5 }, "grn-1")).AssertProblemAsync(409, "idempotency-key-reused", "another body");

        var transfer = new { from = "main", to = "east", quantity = 3 };
        var sent = await (await PostAsync($"/v1/inventory/{sku}/transfers", transfer, "truck-1")).ReadAsync<TransferView>(201, "transfer");
        var again = await (await PostAsync($"/v1/inventory/{sku}/transfers", transfer, "truck-1")).ReadAsync<TransferView>(201, "transfer retry");
        Assert.Equal(sent.Transfer, again.Transfer);
        var stock = await StockAsync(sku);
        Assert.Equal((11, 3, 1), (stock.OnHand, stock.InTransit, stock.Transfers.Count));
        await (await PostAsync($"/v1/inventory/{sku}/transfers", transfer, new string('k', 256))).AssertProblemAsync(422, "validation-failed", "a key too long");
    }

    [Fact]
    public async Task A_transfer_leaves_is_in_transit_lands_short_and_its_steps_answer_as_its_status_allows()
    {
        var sku = await StockedAsync(main: 10, east: 1);
        var created = await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "east", quantity = 6, reference = "to-9" });
        var sent = await created.ReadAsync<TransferView>(201, "start");
        Assert.Equal($"/v1/inventory/{sku}", created.Headers.Location?.OriginalString);
        Assert.Equal(("t1", TransferStatus.InTransit, 6), (sent.Transfer.Id, sent.Transfer.Status, sent.Transfer.Quantity));
        Assert.Equal((5, 6), (sent.Stock.OnHand, sent.Stock.InTransit));
        var raw = JsonDocument.Parse(await fixture.Storefront.GetStringAsync($"/v1/inventory/{sku}")).RootElement;
        Assert.Equal("in_transit", raw.GetProperty("transfers")[0].GetProperty("status").GetString());

        var receive = $"/v1/inventory/{sku}/transfers/t1/receive";
        await (await PostAsync(receive, new { received = 7 })).AssertProblemAsync(422, "validation-failed", "more than sent");
        await (await PostAsync(receive, new { received = 5, shortfallReason = "receipt" })).AssertProblemAsync(422, "validation-failed", "a shortfall reason that adds");
        await (await PostAsync(receive, new { })).AssertProblemAsync(422, "validation-failed", "no count");
        var landed = await (await PostAsync(receive, new { received = 5, shortfallReason = "damage", note = "one crushed" })).ReadAsync<TransferView>(200, "receive");
        Assert.Equal((TransferStatus.Received, 5, StockReason.Damage), (landed.Transfer.Status, landed.Transfer.Received, landed.Transfer.ShortfallReason));
        Assert.Equal((10, 0, 1), (landed.Stock.OnHand, landed.Stock.InTransit, landed.Stock.WrittenOff));
        Assert.Equal(landed.Transfer, (await (await PostAsync(receive, new { received = 5 })).ReadAsync<TransferView>(200, "the same receipt again")).Transfer);
        var refused = await (await PostAsync($"/v1/inventory/{sku}/transfers/t1/cancel", null)).AssertProblemAsync(409, "invalid-transition", "cancel after receipt");
        Assert.Equal("received", refused.GetProperty("currentState").GetString());

        await (await PostAsync($"/v1/inventory/{sku}/transfers/t9/receive", new { received = 1 })).AssertProblemAsync(404, "transfer-not-found", "unknown transfer");
        await (await PostAsync($"/v1/inventory/{sku}/transfers/t9/cancel", new { })).AssertProblemAsync(404, "transfer-not-found", "unknown transfer");
        await (await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "main", quantity = 1 })).AssertProblemAsync(422, "validation-failed", "same location");
        await (await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "east", quantity = 5 })).AssertProblemAsync(409, "insufficient-stock", "more than available");

        (await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "east", to = "main", quantity = 2 })).EnsureSuccessStatusCode();
        var cancelled = await (await PostAsync($"/v1/inventory/{sku}/transfers/t2/cancel", new { note = "truck broke down" })).ReadAsync<TransferView>(200, "cancel");
        Assert.Equal(TransferStatus.Cancelled, cancelled.Transfer.Status);
        Assert.Equal([("main", 4), ("east", 6)], cancelled.Stock.Locations.Select(l => (l.Location, l.OnHand)));
    }

    [Fact]
    public async Task The_movement_history_pages_newest_first_per_location()
    {
        var sku = await StockedAsync(main: 10, east: 2);
        foreach (var delta in new[] { 1, 2, 3 })
        {
            (await PostAsync($"/v1/inventory/{sku}/adjustments", new { location = "main", delta, reason = "receipt" })).EnsureSuccessStatusCode();
        }

        (await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "east", quantity = 4 })).EnsureSuccessStatusCode();
        (await PostAsync($"/v1/inventory/{sku}/transfers/t1/receive", new { received = 4 })).EnsureSuccessStatusCode();

        var all = await MovementsAsync(sku);
        Assert.Equal([7L, 6, 5, 4, 3, 2, 1], all.Movements.Select(m => m.Number));
        Assert.Null(all.Next);
        Assert.Equal(
            [(MovementKind.TransferredIn, "east", 4, 6), (MovementKind.TransferredOut, "main", -4, 12), (MovementKind.Adjusted, "main", 3, 16)],
            all.Movements.Take(3).Select(m => (m.Kind, m.Location, m.Delta, m.OnHand)));
        Assert.Equal([(MovementKind.Set, "east", 2), (MovementKind.Set, "main", 10)], all.Movements.TakeLast(2).Select(m => (m.Kind, m.Location, m.Delta)));

        var first = await MovementsAsync(sku, "?location=main&limit=2");
        Assert.Equal([6L, 5], first.Movements.Select(m => m.Number));
        Assert.Equal(5, first.Next);
        var second = await MovementsAsync(sku, $"?location=main&limit=2&after={first.Next}");
        Assert.Equal([4L, 3], second.Movements.Select(m => m.Number));
        var last = await MovementsAsync(sku, $"?location=main&limit=2&after={second.Next}");
        Assert.Equal([1L], last.Movements.Select(m => m.Number));
        Assert.Null(last.Next);
        Assert.Empty((await MovementsAsync(sku, "?location=nowhere")).Movements);

        await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}/movements?limit=0&after=0&location=a%20b")).AssertProblemAsync(422, "validation-failed", "bad query");
        await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}/movements?after=abc")).AssertProblemAsync(400, "malformed-request", "a cursor that is not a number");
        await (await fixture.Ops.GetAsync($"/v1/inventory/{ApiFixture.NewSku()}/movements")).AssertProblemAsync(404, "unknown-sku", "never stocked");
    }

    [Fact]
    public async Task The_inventory_report_and_the_event_feed_follow_adjustments_and_transfers()
    {
        var sku = await StockedAsync(main: 10);
        (await PostAsync($"/v1/inventory/{sku}/adjustments", new { location = "main", delta = -3, reason = "write_off" })).EnsureSuccessStatusCode();
        (await PostAsync($"/v1/inventory/{sku}/transfers", new { from = "main", to = "east", quantity = 2 })).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(async () =>
        {
            var page = JsonDocument.Parse(await fixture.Analytics.GetStringAsync($"/v1/reports/inventory?limit=1&cursor={ReportQueries.SkuCursor(sku[..^1])}")).RootElement.GetProperty("items");
            return page.GetArrayLength() == 1 && page[0].GetProperty("sku").GetString() == sku && page[0].GetProperty("onHand").GetInt32() == 5
                && page[0].GetProperty("inTransit").GetInt32() == 2 && page[0].GetProperty("writtenOff").GetInt32() == 3;
        }, "the inventory report shows the write-off and the units in transit, gone from on-hand");

        var admin = fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        var events = new List<(string?, string?)>();
        for (long after = 0, read = -1; read != 0;)
        {
            var page = JsonDocument.Parse(await admin.GetStringAsync($"/v1/events?limit=1000&after={after}")).RootElement;
            var items = page.GetProperty("events").EnumerateArray().ToArray();
            events.AddRange(items
                .Where(e => e.GetProperty("stream").GetString()!.EndsWith("/" + sku, StringComparison.Ordinal))
                .Select(e => (e.GetProperty("stream").GetString(), e.GetProperty("type").GetString())));
            (after, read) = (page.GetProperty("next").GetInt64(), items.Length);
        }

        Assert.Contains(($"inventory/{sku}", "inventory.adjusted"), events);
        Assert.Contains(($"inventory/{sku}", "inventory.transfer_started"), events);
        Assert.Equal(3, events.Count(e => e == ($"stock-movements/{sku}", "stock.moved")));
    }
}
