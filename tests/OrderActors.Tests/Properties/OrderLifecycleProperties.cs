using CsCheck;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Grains;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Properties;

/// <summary>
/// Orders on the shared cluster under random sequences of fulfilment, tracking (with times from the plausible to the
/// absurd), cancellation, return, receipt and refund commands. After every command: nothing but a domain refusal
/// escapes, a refusal changed nothing, refunds never pass the capture, the timeline is in order and no stock is
/// negative.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class OrderLifecycleProperties(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    private enum Kind { Pick, Pack, Ship, Track, Cancel, Return, Receive, Refund }

    private sealed record Command(Kind Kind, int Shipment, TrackingStatus Status, int When, int Quantity, decimal Amount)
    {
        public override string ToString() => $"{Kind}(shipment {Shipment}, {Status}, when {When}, quantity {Quantity}, amount {Amount})";
    }

    // Tracking times: now, a minute on, before the order, the epoch, the end of the calendar, an hour ahead.
    private static DateTimeOffset? At(int when) => when switch
    {
        0 => null,
        1 => DateTimeOffset.UtcNow.AddSeconds(1),
        2 => DateTimeOffset.UtcNow.AddDays(-1),
        3 => DateTimeOffset.UnixEpoch,
        4 => new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero),
        _ => DateTimeOffset.UtcNow.AddHours(1),
    };

    // Weighted so that sequences often get a parcel out and delivered before they return, refund or cancel.
    private static readonly Gen<Command> Commands = Gen.Select(
        Gen.Frequency((3, Gen.Const(Kind.Pick)), (3, Gen.Const(Kind.Pack)), (3, Gen.Const(Kind.Ship)), (5, Gen.Const(Kind.Track)),
            (3, Gen.Const(Kind.Return)), (1, Gen.Const(Kind.Receive)), (1, Gen.Const(Kind.Refund)), (1, Gen.Const(Kind.Cancel))),
        Gen.Frequency((4, Gen.Const(0)), (1, Gen.Const(1))),
        Gen.Frequency((3, Gen.Const(TrackingStatus.Delivered)), (2, Gen.OneOf(Enum.GetValues<TrackingStatus>()))),
        Gen.Int[0, 5], Gen.Int[1, 3], Gen.OneOf(0.01m, 5m, 30m, 1_000m),
        (kind, shipment, status, when, quantity, amount) => new Command(kind, shipment, status, when, quantity, amount));

    [Fact]
    public async Task Random_command_sequences_keep_every_order_invariant()
    {
        var (commands, refusals) = (0, 0);
        var sequences = await Cases.CheckAsync(Commands.Array[4, 16], 30, async sequence =>
        {
            var (sku, east, west) = ($"sku-{Guid.NewGuid():N}", $"e-{Guid.NewGuid():N}"[..12], $"w-{Guid.NewGuid():N}"[..12]);
            var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
            await TestCatalog.PriceAsync(cluster.Grains, sku);
            await inventory.SetStockAsync(new SetStock([new LocationQuantity(east, 2), new LocationQuantity(west, 2)], []));
            var order = cluster.Grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
            var placed = (await order.PlaceAsync(OrderPlacementTests.Order((sku, 3)))).Order!;
            await TestLocations.AddressAsync(cluster.Grains, placed);
            foreach (var command in sequence)
            {
                commands++;
                var before = (await order.GetAsync())!;
                try
                {
                    await ApplyAsync(order, before, command);
                }
                catch (DomainException)
                {
                    refusals++;
                    var after = (await order.GetAsync())!;
                    Assert.True((before.Timeline.Count, before.Returns.Count, before.Refunds.Count, before.Payment.Refunded) ==
                        (after.Timeline.Count, after.Returns.Count, after.Refunds.Count, after.Payment.Refunded), $"the refused {command} changed order {before.Id}");
                }

                await CheckAsync(cluster.Grains, order, inventory, command);
            }
        });
        Console.WriteLine($"Order lifecycle properties: {sequences} sequences, {commands} commands, {refusals} refused.");
    }


    private static async Task ApplyAsync(IOrderGrain order, OrderView view, Command command)
    {
        var shipment = view.Shipments[command.Shipment % view.Shipments.Count].Id;
        var sku = view.Lines[0].Sku;
        switch (command.Kind)
        {
            case Kind.Pick or Kind.Pack or Kind.Ship:
                await order.UpdateShipmentAsync(new ShipmentCommand(shipment, Enum.Parse<ShipmentAction>(command.Kind.ToString()), null, null, Ops));
                break;
            case Kind.Track:
                await order.UpdateShipmentAsync(new ShipmentCommand(shipment, ShipmentAction.Track, null, new TrackingEvent(command.Status, null, At(command.When)), Ops));
                break;
            case Kind.Cancel:
                await order.CancelAsync(new CancelOrder("changed my mind", Ops));
                break;
            case Kind.Return:
                await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, command.Quantity));
                break;
            case Kind.Receive when view.Returns.LastOrDefault(r => r.Status == ReturnStatus.Authorized) is { } open:
                await order.ReceiveReturnAsync(new ReceiveReturn(open.Id, null, [.. open.Lines.Select(l => new InspectedUnits(l.Sku, l.Quantity, ItemCondition.Resellable))], Ops));
                break;
            case Kind.Refund:
                await order.RefundAsync(new RefundPayment([], command.Amount, "goodwill", null, Ops));
                break;
        }
    }

    private static async Task CheckAsync(IGrainFactory grains, IOrderGrain order, IInventoryGrain inventory, Command after)
    {
        var view = (await order.GetAsync())!;
        Assert.True(view.Payment.Refunded <= view.Payment.Captured, $"after {after}: refunded {view.Payment.Refunded} of {view.Payment.Captured} captured");
        var outOfOrder = view.Timeline.Zip(view.Timeline.Skip(1)).FirstOrDefault(p => p.First.At > p.Second.At);
        Assert.True(outOfOrder == default, $"after {after}: {outOfOrder.First?.Type} at {outOfOrder.First?.At:O} before {outOfOrder.Second?.Type} at {outOfOrder.Second?.At:O}");
        foreach (var shipment in view.Shipments)
        {
            var events = (await grains.GetGrain<IShipmentGrain>(shipment.Id).GetAsync())!.Events;
            Assert.True(events.Zip(events.Skip(1)).All(p => p.First.At <= p.Second.At), $"after {after}: shipment {shipment.Id}'s events are out of order");
        }

        var stock = (await inventory.GetAsync())!;
        Assert.True(stock.Locations.All(l => l.Available >= 0 && l.OnHand >= l.Reserved), $"after {after}: stock {string.Join(", ", stock.Locations)}");
    }
}
