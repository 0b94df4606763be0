using System.Net.Http.Json;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Order edits through the API: preview and confirm by version, the pick queue following, and every refusal changing nothing.</summary>
public sealed class OrderEditsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    private sealed record EditAnswer(OrderEditPreview Edit, OrderView? Order);

    private async Task<string> SkuAsync(int onHand, string location = "main")
    {
        var sku = ApiFixture.NewSku();
        (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { [location] = onHand }, substitutes = Array.Empty<string>() })).EnsureSuccessStatusCode();
        return sku;
    }

    private async Task<OrderView> PlaceAsync(params (string Sku, int Quantity)[] lines)
        => await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order($"cus-edit-{Guid.NewGuid():N}"[..20], lines))).ReadAsync<OrderView>(201, "place");

    private Task<HttpResponseMessage> EditAsync(string orderId, object body) => fixture.Storefront.PostJsonAsync($"/v1/orders/{orderId}/edits", body);

    [Fact]
    public async Task An_edit_previewed_then_confirmed_by_version_moves_the_units_in_the_pick_queue()
    {
        var location = $"wh-edit-{Guid.NewGuid():N}"[..16];
        var sku = await SkuAsync(10, location);
        var order = await PlaceAsync((sku, 1));
        Assert.Contains("edit", order.AllowedActions);
        var preview = await (await EditAsync(order.Id, new { lines = new[] { new { sku, quantity = 4 } }, preview = true })).ReadAsync<EditAnswer>(200, "preview");
        Assert.Equal((40m, 30m, order.Version), (preview.Edit.Total, preview.Edit.Difference, preview.Edit.Version));
        Assert.Null(preview.Order);

        var edited = await (await EditAsync(order.Id, new { lines = new[] { new { sku, quantity = 4 } }, version = preview.Edit.Version, reason = "one for each room" }))
            .ReadAsync<EditAnswer>(200, "confirm");
        Assert.Equal((40m, 4), (edited.Order!.Total, edited.Order.Lines.Single().Quantity));
        Assert.Equal(4, (await _api.StockAsync(sku)).Reserved);
        var shipment = Assert.Single(edited.Order.Shipments);
        var view = await (await fixture.Ops.GetAsync($"/v1/shipments/{shipment.Id}")).ReadAsync<ShipmentView>(200, "the shipment");
        Assert.Equal([new ShipmentLine(sku, 4)], view.Lines);
        Assert.Equal("shipment.replanned", view.Events[^1].Type);
        await Eventually.TrueAsync(async () =>
        {
            var queue = await (await fixture.Ops.GetAsync($"/v1/locations/{location}/pick-queue")).ReadAsync<PickQueueView>(200, "pick queue");
            return queue.Shipments.Any(s => s.ShipmentId == shipment.Id && s.Units == 4);
        }, "the pick queue shows the edited units");

        // Picked: no more edits.
        (await fixture.Ops.PutJsonAsync($"/v1/locations/{location}", new { address = TestLocations.Warehouse(location) })).EnsureSuccessStatusCode();
        (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment.Id}/pick", new { })).EnsureSuccessStatusCode();
        var before = await _api.SnapshotAsync(order.Id, sku);
        await (await EditAsync(order.Id, new { lines = new[] { new { sku, quantity = 1 } } })).AssertProblemAsync(409, "order-not-editable", "edit after the pick");
        Assert.Equal(before, await _api.SnapshotAsync(order.Id, sku));
    }

    [Fact]
    public async Task Every_refused_edit_answers_a_problem_and_changes_nothing()
    {
        var (sku, scarce) = (await SkuAsync(10), await SkuAsync(1));
        var order = await PlaceAsync((sku, 2));
        var before = await _api.SnapshotAsync(order.Id, sku, scarce);
        var refusals = new (object Body, int Status, string Type)[]
        {
            (new { lines = Array.Empty<object>() }, 422, "validation-failed"),
            (new { lines = new[] { new { sku, quantity = 0 } } }, 422, "validation-failed"),
            (new { lines = new[] { new { sku, quantity = 1 }, new { sku, quantity = 2 } } }, 422, "validation-failed"),
            (new { reason = "nothing to change" }, 422, "validation-failed"),
            (new { shippingAddress = new { line1 = "1 Main St" } }, 422, "validation-failed"),
            (new { lines = new[] { new { sku, quantity = 3 } }, version = order.Version + 7 }, 409, "order-changed"),
            (new { lines = new[] { new { sku, quantity = 2 }, new { sku = scarce, quantity = 2 } } }, 409, "out-of-stock"),
            (new { lines = new[] { new { sku, quantity = 2 }, new { sku = ApiFixture.NewSku(), quantity = 1 } } }, 422, "unknown-sku"),
            (new { lines = new[] { new { sku, quantity = 3 } }, expectedTotal = -1m }, 422, "validation-failed"),
            (new { lines = new[] { new { sku, quantity = 3 } }, expectedTotal = 1e20m }, 422, "validation-failed"),
            (new { lines = new[] { new { sku, quantity = 5 } }, payment = new { method = "card", token = "tok_decline" } }, 402, "payment-declined"),
            (new { lines = new[] { new { sku, quantity = 5 } }, expectedTotal = 20m }, 409, "edit-total-changed"),
        };
        foreach (var (body, status, type) in refusals)
        {
            await (await EditAsync(order.Id, body)).AssertProblemAsync(status, type, $"{type}: {System.Text.Json.JsonSerializer.Serialize(body)}");
            Assert.Equal(before, await _api.SnapshotAsync(order.Id, sku, scarce));
        }

        await (await EditAsync("no-such-order", new { lines = new[] { new { sku, quantity = 1 } } })).AssertProblemAsync(404, "order-not-found", "unknown order");
        await (await fixture.Storefront.PostAsync($"/v1/orders/{order.Id}/edits", JsonContent.Create<object?>(null))).AssertProblemAsync(422, "validation-failed", "no body");
        Assert.Equal(before, await _api.SnapshotAsync(order.Id, sku, scarce));
    }
}
