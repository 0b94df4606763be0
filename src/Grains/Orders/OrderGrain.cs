using System.Security.Cryptography;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Runtime;

namespace OrderActors.Grains.Orders;

/// <summary>
/// One order. Placement is write-ahead: the order records that it is reserving before it asks the inventory
/// grains, so an activation that finds itself still "reserving" (the process died mid-placement) releases
/// whatever was reserved before it serves anything else.
/// </summary>
public sealed class OrderGrain([PersistentState("order")] IPersistentState<OrderState> order) : Grain, IOrderGrain
{
    private static readonly JsonSerializerOptions FingerprintJson = new(JsonSerializerDefaults.Web);

    private OrderState State => order.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Status == OrderStatus.Reserving)
        {
            await ReleaseAllAsync(State.Request!);
            await order.ClearStateAsync(cancellationToken);
        }
    }

    public async Task<PlaceOrderResult> PlaceAsync(PlaceOrder command)
    {
        var fingerprint = Fingerprint(command);
        if (State.Status is OrderStatus.Placed or OrderStatus.Rejected)
        {
            if (State.Fingerprint != fingerprint)
            {
                throw DomainException.Conflict("order-exists",
                    $"Order '{GetPrimaryKeyString()}' was already placed with a different request.");
            }

            return State.Rejection ?? new PlaceOrderResult(PlacementOutcome.Placed, View(), [], []);
        }

        Validate(command);
        var now = TimeProvider.GetUtcNow();
        State.Status = OrderStatus.Reserving;
        State.Fingerprint = fingerprint;
        State.Request = command;
        State.PlacedAt = now;
        await order.WriteStateAsync();

        ReservationResult[] reservations;
        try
        {
            reservations = await Task.WhenAll(command.Lines
                .GroupBy(l => l.Sku, StringComparer.Ordinal)
                .Select(g => GrainFactory.GetGrain<IInventoryGrain>(g.Key)
                    .ReserveAsync(new ReserveStock(GetPrimaryKeyString(), g.Sum(l => l.Quantity)))));
        }
        catch
        {
            await UndoPlacementAsync(command);
            throw;
        }

        if (reservations.All(r => r.Outcome == ReservationOutcome.Reserved))
        {
            return await CompletePlacementAsync(command, reservations, now);
        }

        await ReleaseAllAsync(command);
        var rejection = await RejectionAsync(command, reservations);
        State.Status = OrderStatus.Rejected;
        State.Rejection = rejection;
        await order.WriteStateAsync();
        return rejection;
    }

    public Task<OrderView?> GetAsync()
        => Task.FromResult(State.Status == OrderStatus.Placed ? View() : null);

    private async Task<PlaceOrderResult> CompletePlacementAsync(PlaceOrder command, ReservationResult[] reservations, DateTimeOffset now)
    {
        var allocations = reservations.ToDictionary(r => r.Sku, r => r.Allocations.ToList(), StringComparer.Ordinal);
        State.Lines = command.Lines.Select(line => new OrderLine(line.Sku, line.Quantity, line.UnitPrice, Take(allocations[line.Sku], line.Quantity))).ToList();
        State.Status = OrderStatus.Placed;
        State.Timeline.Add(new TimelineEntry(now, "order.placed", command.Actor, command.Channel,
            $"Placed with {command.Lines.Count} line(s), {command.Lines.Sum(l => l.Quantity)} unit(s), subtotal {Subtotal(command):0.00} {command.Currency}; stock reserved."));
        await order.WriteStateAsync();
        return new PlaceOrderResult(PlacementOutcome.Placed, View(), [], []);
    }

    // Splits a SKU's reserved allocations over the lines of that SKU, in line order.
    private static List<LocationAllocation> Take(List<LocationAllocation> pool, int quantity)
    {
        var taken = new List<LocationAllocation>();
        while (quantity > 0)
        {
            var next = pool[0];
            var take = Math.Min(quantity, next.Quantity);
            taken.Add(next with { Quantity = take });
            quantity -= take;
            if (take == next.Quantity)
            {
                pool.RemoveAt(0);
            }
            else
            {
                pool[0] = next with { Quantity = next.Quantity - take };
            }
        }

        return taken;
    }

    private async Task<PlaceOrderResult> RejectionAsync(PlaceOrder command, ReservationResult[] reservations)
    {
        var unknown = reservations.Where(r => r.Outcome == ReservationOutcome.UnknownSku).Select(r => r.Sku).ToArray();
        if (unknown.Length > 0)
        {
            return new PlaceOrderResult(PlacementOutcome.UnknownSku, null, [], unknown);
        }

        var shortages = new List<Shortage>();
        foreach (var shortage in reservations.Where(r => r.Outcome == ReservationOutcome.Insufficient))
        {
            var requested = command.Lines.Where(l => l.Sku == shortage.Sku).Sum(l => l.Quantity);
            var substitutes = await Task.WhenAll(shortage.Substitutes.Select(s => GrainFactory.GetGrain<IInventoryGrain>(s).GetAsync()));
            var alternatives = substitutes
                .Where(s => s is { Available: > 0 })
                .Select(s => new Alternative(s!.Sku, s.Available))
                .ToArray();
            shortages.Add(new Shortage(shortage.Sku, requested, shortage.Available, alternatives));
        }

        return new PlaceOrderResult(PlacementOutcome.OutOfStock, null, shortages, []);
    }

    private async Task UndoPlacementAsync(PlaceOrder command)
    {
        await ReleaseAllAsync(command);
        await order.ClearStateAsync();
    }

    private Task ReleaseAllAsync(PlaceOrder command)
        => Task.WhenAll(command.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal)
            .Select(sku => GrainFactory.GetGrain<IInventoryGrain>(sku).ReleaseAsync(GetPrimaryKeyString())));

    private static void Validate(PlaceOrder command)
    {
        if (command.Lines.Count == 0)
        {
            throw DomainException.Invalid("validation-failed", "An order needs at least one line.");
        }

        foreach (var line in command.Lines)
        {
            if (string.IsNullOrWhiteSpace(line.Sku))
            {
                throw DomainException.Invalid("validation-failed", "Every line needs a SKU.");
            }

            if (line.Quantity <= 0)
            {
                throw DomainException.Invalid("validation-failed", $"Line '{line.Sku}' has quantity {line.Quantity}; it must be positive.");
            }

            if (line.UnitPrice < 0)
            {
                throw DomainException.Invalid("validation-failed", $"Line '{line.Sku}' has unit price {line.UnitPrice}; it must not be negative.");
            }
        }
    }

    private static decimal Subtotal(PlaceOrder command) => command.Lines.Sum(l => l.Quantity * l.UnitPrice);

    // The actor is not part of the request body: a retry by the same client is the same request.
    private static string Fingerprint(PlaceOrder command)
        => Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(command with { Actor = new Actor("", "") }, FingerprintJson)));

    private OrderView View()
    {
        var request = State.Request!;
        return new OrderView(
            GetPrimaryKeyString(),
            State.Status,
            PaymentStatus.Pending,
            FulfillmentStatus.Unfulfilled,
            request.Customer,
            request.Channel,
            request.Priority,
            request.Currency,
            State.Lines.Select(l => new OrderLineView(l.Sku, l.Quantity, l.UnitPrice, l.Quantity * l.UnitPrice, l.Allocations)).ToArray(),
            Subtotal(request),
            request.ShippingAddress,
            [],
            [.. State.Timeline],
            State.PlacedAt);
    }
}
