using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Shipments;

/// <summary>
/// The part of an order that leaves from one location: picked, packed, shipped with a carrier, tracked to the door.
/// Only its order calls the changing methods, so order and shipment never wait on each other.
/// </summary>
[GrainType("shipment")]
public sealed class ShipmentGrain(
    [EventedState("shipment", OrderActorsStorage.EventLog)] IEventedState<ShipmentState> shipment,
    ICarrierSelector carriers,
    TimeProvider timeProvider)
    : Grain, IShipmentGrain
{
    private ShipmentState State => shipment.State;

    private string Id => this.GetPrimaryKeyString();

    // The inventory reservation the units are held under: the order's, or its allocation round's for backordered units.
    private string Reservation => State.Reservation ?? State.OrderId;

    // Finishes what a crash interrupted. Safe here: nothing this grain calls (inventory) ever calls a shipment.
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (ShipmentStateMachine.HasShipped(State.Status) && !State.StockCommitted)
        {
            await CommitStockAsync();
        }
    }

    public async Task<ShipmentView> CreateAsync(CreateShipment command)
    {
        if (State.Status == ShipmentStatus.None)
        {
            var now = timeProvider.GetUtcNow();
            State.Status = ShipmentStatus.ReadyToPick;
            State.OrderId = command.OrderId;
            State.Location = command.Location;
            State.Priority = command.Priority;
            State.Lines = [.. command.Lines];
            State.ShippingAddress = command.ShippingAddress;
            State.OrderPlacedAt = command.OrderPlacedAt;
            State.PromisedBy = command.PromisedBy;
            State.PaidCarrier = command.Carrier;
            State.Reservation = command.Reservation;
            State.CreatedAt = now;
            State.Events.Add(new ShipmentEvent(now, "shipment.created", $"Created at {command.Location} with {command.Lines.Sum(l => l.Quantity)} unit(s).", new Actor("system", "orders")));
            await SaveAsync(); // shipment.created queues it for picking (PickQueueGrain reads the stream)
        }

        return View();
    }

    public Task<ShipmentView?> GetAsync() => Task.FromResult(State.Status == ShipmentStatus.None ? null : View());

    public async Task<ShipmentView> ApplyAsync(ShipmentStep step)
    {
        EnsureExists();
        ShipmentStateMachine.Ensure(Id, State.Status, ShipmentStateMachine.Name(step.Action));
        var now = timeProvider.GetUtcNow();
        switch (step.Action)
        {
            case ShipmentAction.Pick:
                Move(ShipmentStatus.Picked, now, "shipment.picked", "Units picked.", step.Actor);
                await SaveAsync();
                break;
            case ShipmentAction.Pack:
                Move(ShipmentStatus.Packed, now, "shipment.packed", "Packed.", step.Actor);
                await SaveAsync();
                break;
            case ShipmentAction.Ship:
                await ShipAsync(step, now);
                break;
            default:
                Track(step, now);
                await SaveAsync();
                break;
        }

        return View();
    }

    public async Task<ShipmentView> CancelAsync(string reason, Actor actor)
    {
        EnsureExists();
        if (State.Status == ShipmentStatus.Cancelled)
        {
            return View();
        }

        ShipmentStateMachine.Ensure(Id, State.Status, "cancel");
        await Task.WhenAll(State.Lines.Select(l => GrainFactory.GetGrain<IInventoryGrain>(l.Sku).ReleaseAsync(new ReleaseStock(Reservation, State.Location))));
        Move(ShipmentStatus.Cancelled, timeProvider.GetUtcNow(), "shipment.cancelled", $"Cancelled: {reason}. Stock released at {State.Location}.", actor);
        await SaveAsync();
        return View();
    }

    public async Task<ShipmentView> ReplanAsync(ReplanShipment command)
    {
        EnsureExists();
        var lines = command.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
        if (lines.SequenceEqual(State.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal)) && command.ShippingAddress == State.ShippingAddress)
        {
            return View();
        }

        if (lines.Count == 0 || lines.Any(l => l.Quantity <= 0))
        {
            throw DomainException.Invalid("validation-failed", $"Shipment '{Id}' cannot be re-planned without units; cancel it instead.");
        }

        if (State.Status != ShipmentStatus.ReadyToPick)
        {
            throw DomainException.InvalidTransition($"shipment '{Id}'", "replan", ShipmentStateMachine.Format(State.Status), ShipmentStateMachine.AllowedIn(State.Status));
        }

        var units = lines.Sum(l => l.Quantity);
        var moved = command.ShippingAddress == State.ShippingAddress ? "" : $"; now to {command.ShippingAddress?.City}, {command.ShippingAddress?.Country}";
        State.Lines = lines;
        State.ShippingAddress = command.ShippingAddress;
        Move(ShipmentStatus.ReadyToPick, timeProvider.GetUtcNow(), "shipment.replanned", $"Re-planned ({command.Reason}): {units} unit(s){moved}.", command.Actor);
        await SaveAsync(); // still ready to pick: the pick queue takes the new units from the event
        return View();
    }

    public Task<ShipmentLabelView?> GetLabelAsync()
        => Task.FromResult(State.LabelDocument is null ? null : new ShipmentLabelView(State.TrackingNumber!, State.LabelFormat!, State.LabelDocument));

    private async Task ShipAsync(ShipmentStep step, DateTimeOffset now)
    {
        var address = State.ShippingAddress
            ?? throw DomainException.Invalid("missing-address", $"Shipment '{Id}' has no shipping address; the order was placed without one.");
        var parcel = new ParcelSpec(State.Location, address.Country, address.PostalCode, State.Lines.Sum(l => l.Quantity));
        var named = step.Carrier ?? State.PaidCarrier;
        var chosen = carriers.Choose(parcel, BusinessDays.Between(now, State.PromisedBy), named)
            ?? throw (named is null
                ? DomainException.Invalid("no-carrier", $"No carrier serves {address.Country} {address.PostalCode} from {State.Location}.")
                : DomainException.Invalid("unknown-carrier", $"Carrier '{named}' does not exist or does not serve {address.Country} from {State.Location}."));
        var (carrier, quote) = chosen;
        var sender = await GrainFactory.GetGrain<ILocationGrain>(State.Location).GetAsync();
        var label = carrier.CreateLabel(Id, parcel, ShippingAddressLabel.From(address, ""),
            sender is null ? null : ShippingAddressLabel.From(sender.Address, State.Location));
        State.Carrier = carrier.Code;
        State.Service = quote.Service;
        State.TrackingNumber = label.TrackingNumber;
        State.ShippingCost = quote.Price;
        State.LabelFormat = label.LabelFormat;
        State.LabelDocument = label.LabelDocument;
        State.ShippedAt = now;
        State.EstimatedDelivery = BusinessDays.Add(now, quote.TransitDays);
        Move(ShipmentStatus.Shipped, now, "shipment.shipped",
            $"Shipped with {carrier.Code} ({quote.Service}), tracking {label.TrackingNumber}, estimated delivery {State.EstimatedDelivery:yyyy-MM-dd}.", step.Actor);

        // Shipped is written before the stock is committed: from here the shipment can no longer be cancelled, and a
        // crash before the commit is finished when the shipment next activates (committing is idempotent).
        await SaveAsync();
        await CommitStockAsync();
    }

    private async Task CommitStockAsync()
    {
        await Task.WhenAll(State.Lines.Select(l => GrainFactory.GetGrain<IInventoryGrain>(l.Sku).CommitAsync(new CommitStock(Reservation, State.Location))));
        State.StockCommitted = true;
        await SaveAsync();
    }

    private void Track(ShipmentStep step, DateTimeOffset now)
    {
        var tracking = step.Tracking ?? throw DomainException.Invalid("validation-failed", "A tracking step needs a tracking event.");
        var next = ShipmentStateMachine.After(tracking.Status);
        var at = TrackingTime.Validate(tracking.At, State.Events[^1].At, $"shipment {Id}'s last event", now);
        if (next == ShipmentStatus.Delivered)
        {
            State.DeliveredAt = at;
        }

        Move(next, at, $"shipment.{ShipmentStateMachine.Format(next)}",
            tracking.Detail is { Length: > 0 } detail ? detail : $"Carrier reports {ShipmentStateMachine.Format(next)}.", step.Actor);
    }

    // Every write publishes the events it records, in the same transaction (the shipment's stream).
    private Task SaveAsync()
    {
        var stream = StreamId.Create(StreamNamespaces.Shipments, Id);
        foreach (var e in State.Events.Skip(State.PublishedEvents))
        {
            shipment.Append(stream, e.Type, new ShipmentChanged(Id, State.OrderId, State.Location, e.Type, e.At, e.Actor, e.Details,
                State.Status, State.Carrier, State.TrackingNumber, [.. State.Lines], State.Priority, State.OrderPlacedAt));
        }

        State.PublishedEvents = State.Events.Count;
        return shipment.WriteStateAsync();
    }

    private void Move(ShipmentStatus status, DateTimeOffset at, string type, string details, Actor actor)
    {
        State.Status = status;
        State.Events.Add(new ShipmentEvent(at, type, details, actor));
    }

    private void EnsureExists()
    {
        if (State.Status == ShipmentStatus.None)
        {
            throw DomainException.NotFound("shipment-not-found", $"There is no shipment '{Id}'.");
        }
    }

    private ShipmentView View() => new(
        Id,
        State.OrderId,
        State.Location,
        State.Status,
        State.Priority,
        [.. State.Lines],
        State.Carrier,
        State.Service,
        State.TrackingNumber,
        State.ShippingCost,
        State.EstimatedDelivery,
        State.CreatedAt,
        State.ShippedAt,
        State.DeliveredAt,
        [.. State.Events],
        ShipmentStateMachine.AllowedIn(State.Status));
}
