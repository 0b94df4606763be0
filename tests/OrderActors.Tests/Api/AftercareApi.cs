using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>The steps the after-sales tests take through the HTTP API: place, ship and deliver an order, read it back.</summary>
internal sealed class AftercareApi(ApiFixture fixture)
{
    /// <summary>Places an order for the lines at 10.00 a unit and takes every shipment to delivered (at <paramref name="deliveredAt"/>, or now).</summary>
    public async Task<OrderView> DeliveredOrderAsync(DateTimeOffset? deliveredAt, params (string Sku, int Quantity)[] lines)
    {
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-after", lines))).ReadAsync<OrderView>(201, "place");
        foreach (var shipment in order.Shipments)
        {
            await DeliverAsync(shipment.Id, deliveredAt);
        }

        var delivered = await OrderAsync(order.Id);
        Assert.True(delivered.Status == OrderStatus.Completed, $"setup: order {order.Id} should be delivered, is {delivered.Status}");
        return delivered;
    }

    public async Task DeliverAsync(string shipmentId, DateTimeOffset? deliveredAt = null)
    {
        var location = (await (await fixture.Ops.GetAsync($"/v1/shipments/{shipmentId}")).ReadAsync<OrderActors.Grains.Shipments.ShipmentView>(200, "read shipment")).Location;
        (await fixture.Ops.PutJsonAsync($"/v1/locations/{location}", new { address = TestLocations.Warehouse(location) })).EnsureSuccessStatusCode();
        foreach (var step in new[] { "pick", "pack", "ship" })
        {
            (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/{step}", new { })).EnsureSuccessStatusCode();
        }

        var tracking = await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/tracking", new { status = "delivered", at = deliveredAt });
        Assert.True(tracking.IsSuccessStatusCode, $"deliver {shipmentId}: {await tracking.Content.ReadAsStringAsync()}");
    }

    public async Task<OrderView> OrderAsync(string id) => await (await fixture.Ops.GetAsync($"/v1/orders/{id}")).ReadAsync<OrderView>(200, $"read order {id}");

    public async Task<InventoryView> StockAsync(string sku) => await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"read stock {sku}");

    public async Task<ReturnView> OpenReturnAsync(string orderId, object body)
        => await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{orderId}/returns", body)).ReadAsync<ReturnView>(201, "open return");

    public async Task<ReturnView> ReceiveAsync(string returnId, params (string Sku, int Quantity, string Condition)[] lines)
        => await (await fixture.Ops.PostJsonAsync($"/v1/returns/{returnId}/receive",
            new { lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, condition = l.Condition }).ToArray() })).ReadAsync<ReturnView>(200, "receive return");

    /// <summary>Everything a refused request must leave as it was: the order as ops read it, and the stock of its SKUs.</summary>
    public async Task<string> SnapshotAsync(string orderId, params string[] skus)
    {
        var parts = new List<string> { await fixture.Ops.GetStringAsync($"/v1/orders/{orderId}") };
        foreach (var sku in skus)
        {
            parts.Add(await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}"));
        }

        return string.Join("\n", parts);
    }

    public async Task<JsonElement> KpisAsync() => JsonDocument.Parse(await fixture.Analytics.GetStringAsync("/v1/reports/kpis")).RootElement;
}
