using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Payments;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipments;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Orders;

/// <summary>
/// One order, and the coordinator of its shipments. Every multi-step change is written ahead: placement records
/// that it is reserving before it asks the inventory grains, cancellation records that it is cancelling before
/// it touches shipments and money, so an activation that finds such a record (the process died mid-way) finishes
/// or undoes it before it serves anything else. Calls only go down (order → shipment → inventory); the one call
/// up, an inventory grain asking whether a reservation is still wanted, is read-only and interleaving. After-sales
/// (returns, exchanges, refunds, claims, feedback, support) lives in the other parts of this class.
/// </summary>
[GrainType("order")]
public sealed partial class OrderGrain(
    [EventedState("order", OrderActorsStorage.EventLog)] IEventedState<OrderState> order,
    PaymentProcessor payments,
    IOptions<OrderOptions> options,
    IOptions<ReturnOptions> returnOptions,
    ICarrierSelector carriers,
    TimeProvider timeProvider,
    ILogger<OrderGrain> logger)
    : Grain, IOrderGrain
{
    private static readonly Actor System = new("system", "orders");

    private bool _placementInFlight;

    // Set when a write of this order's state failed: the activation is discarded, so the failure must reach the caller
    // rather than be taken for a settlement that merely could not finish yet.
    private bool _writeFailed;

    private OrderState State => order.State;

    private string Id => this.GetPrimaryKeyString();

    // Repairs run before the first request, never in OnActivateAsync: an activation may be caused by an inventory
    // grain's reservation check, and calling back into that inventory grain while it waits would deadlock.
    private async Task SettleAsync()
    {
        if (State.Status == OrderStatus.Reserving && !_placementInFlight)
        {
            await ReleaseAllAsync(State.Request!); // the process died mid-placement
            await order.ClearStateAsync();
            return;
        }

        if (State.Status == OrderStatus.Confirmed && !State.ShipmentsCreated)
        {
            await CreateShipmentsAsync();
            await SaveAsync();
        }

        if (State.PendingEdit is { } edit)
        {
            await FinishEditAsync(edit);
        }

        if (State.PendingAllocation is { } round)
        {
            await FinishAllocationAsync(round);
        }

        if (State.PendingCancel is { } cancel)
        {
            await FinishCancellationAsync(cancel);
        }

        if (State.Payment.CaptureDue)
        {
            await CaptureAsync();
        }

        foreach (var refund in State.Refunds.Where(r => r.Status == RefundStatus.Pending).ToArray())
        {
            try
            {
                await SendRefundAsync(refund, System); // written ahead before the gateway was called: same key, so once
                await SaveAsync();
            }
            catch (Exception ex) when (IsSettlementFault(ex))
            {
                logger.LogWarning(ex, "Refund {RefundId} of order {OrderId} is still pending.", refund.Id, Id);
            }
        }

        foreach (var settlement in State.PendingSettlements.ToArray())
        {
            try
            {
                await FinishSettlementAsync(settlement);
            }
            catch (Exception ex) when (IsSettlementFault(ex))
            {
                // Stays due (a gateway outage or refusal, a timeout below): it must not block the order's other requests.
                logger.LogWarning(ex, "Settling {Cause} of order {OrderId} failed; it is retried before the order's next request.", settlement.Cause, Id);
            }
        }
    }

    public Task<ReservationVerdict> VouchForReservationAsync(string sku)
        => Task.FromResult(
            _placementInFlight ? ReservationVerdict.Pending // the state in memory may not be written yet
            : State.Status is OrderStatus.Confirmed or OrderStatus.Completed && State.Lines.Any(l => l.Sku == sku) ? ReservationVerdict.Confirmed
            : ReservationVerdict.Release);

    public Task<ReservationVerdict> VouchForDiscountAsync(string code)
        => Task.FromResult(
            _placementInFlight ? ReservationVerdict.Pending
            : State.Status is OrderStatus.Confirmed or OrderStatus.Completed or OrderStatus.Cancelled && State.Charges?.DiscountCode == code ? ReservationVerdict.Confirmed
            : ReservationVerdict.Release);

    public async Task<PlaceOrderResult> PlaceAsync(PlaceOrder command)
    {
        await SettleAsync();
        _placementInFlight = true;
        try
        {
            return await PlaceOnceAsync(command);
        }
        finally
        {
            _placementInFlight = false;
        }
    }

    private async Task<PlaceOrderResult> PlaceOnceAsync(PlaceOrder command)
    {
        var fingerprint = Fingerprint(command);
        if (State.Status != OrderStatus.None)
        {
            if (State.Fingerprint != fingerprint)
            {
                throw DomainException.Conflict("order-exists", $"Order '{Id}' was already placed with a different request.");
            }

            return State.Rejection ?? new PlaceOrderResult(PlacementOutcome.Placed, View(), [], []);
        }

        Validate(command);
        var (priced, catalog, refusal) = await PriceAsync(command);
        var now = timeProvider.GetUtcNow();
        State.Status = OrderStatus.Reserving;
        State.Fingerprint = fingerprint;
        State.Request = priced;
        State.PlacedAt = now;
        if (refusal is not null)
        {
            return await RejectAsync(refusal); // decided before anything was reserved
        }

        command = priced;
        var discount = 0m;
        if (command.DiscountCode is { } code)
        {
            // Taken before any stock: a refusal below gives it back (ReleaseAllAsync), and a use whose order dies here is
            // freed when the code reaches its limit and asks this order (VouchForDiscountAsync).
            var redemption = await GrainFactory.GetGrain<IDiscountGrain>(code).RedeemAsync(new RedeemDiscount(Id, command.Customer.Id, Subtotal(command), command.Currency));
            if (redemption.Refusal is { } discountRefusal)
            {
                return await RejectAsync(new PlaceOrderResult(PlacementOutcome.DiscountRefused, null, [], [], Detail: redemption.Message, DiscountRefusal: discountRefusal));
            }

            discount = redemption.Amount;
        }

        // Nothing is written before the outcome: the reservations below stay unconfirmed until the write that
        // confirms the order, and if the process dies first, each inventory grain's expiry sweep asks this order, which
        // then has no record and lets them go. A retry of the same request reserves the same units again (reserving is
        // idempotent per order) and the gateway's key makes the authorization the same one.

        var quantities = command.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));
        ReservationResult[] reservations;
        try
        {
            reservations = await ReserveAsync(quantities, catalog, command, now);
        }
        catch
        {
            await UndoPlacementAsync(command);
            throw;
        }

        if (reservations.Any(r => r.Outcome != ReservationOutcome.Reserved))
        {
            await ReleaseAllAsync(command);
            return await RejectAsync(await RejectionAsync(command, reservations));
        }

        StartCustomerRegistration(command);
        var (totals, charges, shippingByLocation, unavailable) = await ChargesAsync(command, catalog, reservations, discount);
        if (unavailable is not null)
        {
            await ReleaseAllAsync(command);
            return await RejectAsync(unavailable);
        }

        var amount = Math.Max(0, charges!.Total - (command.Replacement?.Credit ?? 0)); // a replacement is credited what was paid on the order it replaces
        var method = command.Payment?.Method ?? "card";
        var authorization = amount == 0
            ? new PaymentResult(PaymentOutcome.Approved, "none", null, "Nothing to pay.")
            : await payments.AuthorizeAsync(Id, fingerprint[..16], method, command.Payment?.Token, amount, command.Currency);
        switch (authorization.Outcome)
        {
            case PaymentOutcome.Declined:
                await ReleaseAllAsync(command);
                return await RejectAsync(new PlaceOrderResult(PlacementOutcome.PaymentDeclined, null, [], [],
                    new PaymentProblem(authorization.Reason ?? "declined", authorization.Message ?? "The payment was declined.")));
            case PaymentOutcome.TransientFailure:
                // Nothing is kept: the same request (same Idempotency-Key) may simply be tried again.
                await UndoPlacementAsync(command);
                return new PlaceOrderResult(PlacementOutcome.PaymentUnavailable, null, [], [],
                    new PaymentProblem(authorization.Reason ?? "gateway_unavailable", authorization.Message ?? "The payment service did not answer."));
        }

        try
        {
            await CustomerRegisteredAsync();
        }
        catch
        {
            await UndoPlacementAsync(command);
            throw;
        }

        // The reservations stay unconfirmed: when they time out, each inventory grain asks this order, which
        // vouches for them once this write has made it Confirmed, and lets them go if the process died before.
        Confirm(command, totals!, charges, catalog, shippingByLocation!, reservations, authorization.Reference!, method, amount, now);
        RecordBackorders(command, catalog, now);
        RecordOverrides(command, catalog, now);
        await SaveAsync();
        if (command.DiscountCode is { } used)
        {
            try
            {
                await GrainFactory.GetGrain<IDiscountGrain>(used).ConfirmAsync(Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The use stays pending; the code confirms it by asking this order when it reaches a limit.
            }
        }

        await ConfirmWithCustomerAsync(command);

        try
        {
            await CreateShipmentsAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The order is placed (written above); its shipments are created before its next request.
        }

        return new PlaceOrderResult(PlacementOutcome.Placed, View(), [], []);
    }

    public async Task<OrderView?> GetAsync()
    {
        try
        {
            await SettleAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException && State.Status != OrderStatus.Reserving)
        {
            // A repair that cannot finish now (payment gateway down, ...) must not make the order unreadable.
        }

        return IsVisible ? View() : null;
    }

    public async Task<IReadOnlyList<CustomerNotification>> GetNotificationsAsync()
    {
        await SettleAsync();
        EnsureVisible();
        return [.. State.Notifications];
    }

    public async Task<OrderView> CancelAsync(CancelOrder command)
    {
        await SettleAsync();
        EnsureVisible();
        if (State.Status == OrderStatus.Cancelled)
        {
            return View();
        }

        var cancellable = State.Shipments.Where(s => !ShipmentStateMachine.HasShipped(s.Status) && s.Status != ShipmentStatus.Cancelled).ToArray();
        foreach (var shipment in cancellable)
        {
            await SyncAsync(shipment.Id); // a shipment that moved on without the order knowing is not cancelled by mistake
        }

        if (!CanCancel)
        {
            if (State.Status == OrderStatus.Confirmed && cancellable.Length > 0)
            {
                await SaveAsync(); // keep what the sync learned
            }

            throw DomainException.InvalidTransition($"order '{Id}'", "cancel", DescribeState(), AllowedActions());
        }

        var plan = new CancelPlan(command, State.Shipments.Where(s => !ShipmentStateMachine.HasShipped(s.Status) && s.Status != ShipmentStatus.Cancelled).Select(s => s.Id).ToArray());
        State.PendingCancel = plan;
        await SaveAsync();
        await FinishCancellationAsync(plan);
        return View();
    }

    public async Task<ShipmentView> UpdateShipmentAsync(ShipmentCommand command)
    {
        await SettleAsync();
        EnsureVisible();
        if (!State.Shipments.Any(s => s.Id == command.ShipmentId))
        {
            throw DomainException.NotFound("shipment-not-found", $"Order '{Id}' has no shipment '{command.ShipmentId}'.");
        }

        // The shipment's own status is the truth: adopt anything a crash kept from this order before deciding.
        var synced = await SyncAsync(command.ShipmentId);
        var record = State.Shipments.Single(s => s.Id == command.ShipmentId);
        try
        {
            ShipmentStateMachine.Ensure(record.Id, record.Status, ShipmentStateMachine.Name(command.Action));
        }
        catch (DomainException) when (synced)
        {
            await SaveAsync();
            throw;
        }

        if (command.Tracking is { At: not null } tracking)
        {
            TrackingTime.Validate(tracking.At, State.Timeline[^1].At, $"order {Id}'s last change", timeProvider.GetUtcNow());
        }

        var view = await GrainFactory.GetGrain<IShipmentGrain>(record.Id)
            .ApplyAsync(new ShipmentStep(command.Action, command.Carrier, command.Tracking, command.Actor));
        Adopt(view, command.Actor);
        await SaveAsync();
        if (State.Payment.CaptureDue)
        {
            await CaptureAsync(); // the goods are on their way; a gateway failure here is retried before the next request
        }

        return view;
    }

    // Reads a shipment and adopts its status if the order's record is behind; true if it was.
    private async Task<bool> SyncAsync(string shipmentId)
    {
        var view = await GrainFactory.GetGrain<IShipmentGrain>(shipmentId).GetAsync();
        if (view is null || view.Status == State.Shipments.Single(s => s.Id == shipmentId).Status)
        {
            return false;
        }

        Adopt(view, System);
        return true;
    }

    // Records a shipment's new status on the order: timeline, notifications, payment due, completion.
    private void Adopt(ShipmentView view, Actor actor)
    {
        var index = State.Shipments.FindIndex(s => s.Id == view.Id);
        var before = State.Shipments[index];
        State.Shipments[index] = before with { Status = view.Status, Carrier = view.Carrier, TrackingNumber = view.TrackingNumber, DeliveredAt = view.DeliveredAt ?? before.DeliveredAt };
        if (ShipmentStateMachine.HasShipped(view.Status) && !ShipmentStateMachine.HasShipped(before.Status)
            && State.Payment.Status is PaymentStatus.Authorized or PaymentStatus.Failed)
        {
            State.Payment.CaptureDue = true;
        }

        RecordShipmentChange(before, view, actor);
    }

    private bool IsVisible => State.Status is OrderStatus.Confirmed or OrderStatus.Completed or OrderStatus.Cancelled;

    private bool CanCancel => State.Status == OrderStatus.Confirmed
        && (State.Shipments.Any(s => !ShipmentStateMachine.HasShipped(s.Status) && s.Status != ShipmentStatus.Cancelled) || HasBackorders);

    private void EnsureVisible()
    {
        if (!IsVisible)
        {
            throw DomainException.NotFound("order-not-found", $"There is no order '{Id}'.");
        }
    }

    private Task<ReservationResult[]> ReserveAsync(Dictionary<string, int> quantities, Dictionary<string, ProductView?> catalog, PlaceOrder command, DateTimeOffset now)
        => Task.WhenAll(quantities.Select(q => GrainFactory.GetGrain<IInventoryGrain>(q.Key).ReserveAsync(ReserveRequest(q.Key, q.Value, catalog, command, now))));

    private void Confirm(PlaceOrder command, Totals totals, OrderCharges charges, Dictionary<string, ProductView?> catalog, Dictionary<string, decimal> shippingByLocation,
        ReservationResult[] reservations, string authorization, string method, decimal amount, DateTimeOffset now)
    {
        var allocations = reservations.ToDictionary(r => r.Sku, r => r.Allocations.ToList(), StringComparer.Ordinal);
        State.Lines = command.Lines.Select((line, i) => new OrderLine(line.Sku, line.Quantity, line.Price, Take(allocations[line.Sku], line.Quantity), 0,
            catalog.GetValueOrDefault(line.Sku)?.TaxClass ?? "standard", totals.Lines[i].Discount, totals.Lines[i].Tax, totals.Lines[i].Paid)).ToList();
        State.Charges = charges;
        State.Status = OrderStatus.Confirmed;
        State.PromisedBy = BusinessDays.Add(now, command.Priority switch
        {
            OrderPriority.Vip => options.Value.VipDeliveryDays,
            OrderPriority.Express => options.Value.ExpressDeliveryDays,
            _ => options.Value.StandardDeliveryDays,
        });
        State.Payment = new PaymentState { Method = method, Status = PaymentStatus.Authorized, Authorized = amount, Authorization = authorization };

        State.Shipments = PlanShipments(State.Lines, charges, shippingByLocation, command.Currency);
        var units = command.Lines.Sum(l => l.Quantity);
        var replacing = command.Replacement is { } terms
            ? $" Replaces units of order {terms.OriginalOrderId} ({terms.Cause}){(terms.Credit > 0 ? $"; {Math.Min(terms.Credit, charges.Total):0.00} {command.Currency} already paid there" : "")}."
            : "";
        var extras = string.Concat(
            charges.DiscountCode is { } discountCode ? $", discount {charges.Discount:0.00} ({discountCode})" : "",
            charges.ShippingMethod is { } shippingMethod ? $", shipping {charges.Shipping:0.00} ({shippingMethod})" : "",
            charges.Tax > 0 ? $", tax {charges.Tax:0.00}{(charges.TaxIncluded ? " included" : "")} ({charges.TaxRegion})" : "");
        Record(now, "order.placed", command.Actor,
            $"Placed with {command.Lines.Count} line(s), {units} unit(s), subtotal {Subtotal(command):0.00}{extras}{(extras.Length > 0 ? $", total {charges.Total:0.00}" : "")} {command.Currency}; stock reserved.{replacing}");
        Record(now, "payment.authorized", System, $"{amount:0.00} {command.Currency} authorized ({method}).");
        Record(now, "order.confirmed", System,
            $"Confirmed; {State.Shipments.Count} shipment(s) from {string.Join(", ", State.Shipments.Select(s => s.Location))}; delivery promised by {State.PromisedBy:yyyy-MM-dd}.");
        Notify(now, "order_confirmed", $"Order {Id} confirmed",
            $"Thank you for your order {Id}: {string.Join("; ", State.Lines.Select(l => $"{l.Quantity} × {l.Sku} at {l.UnitPrice:0.00}"))}. " +
            $"Total {amount:0.00} {command.Currency}, authorized on your {method}; it will be charged when your order ships. " +
            $"Estimated delivery by {State.PromisedBy:dddd, d MMMM yyyy}.");
    }

    // One shipment per location the lines' units are reserved at. A shipment's value is what the buyer pays for it: its
    // units' share of their lines (after discount, with tax) and its parcel's shipping charge with that charge's share of
    // the shipping tax. Cancelling it takes that much off.
    private List<ShipmentRecord> PlanShipments(IReadOnlyList<OrderLine> lines, OrderCharges charges, IReadOnlyDictionary<string, decimal> shippingByLocation, string currency)
    {
        var minor = IsoCodes.MinorUnits(currency);
        var locations = lines.SelectMany(l => l.Allocations).Select(a => a.Location).Distinct(StringComparer.Ordinal).ToArray();
        var shippingTax = charges.TaxIncluded ? 0 : charges.ShippingTax;
        var shippingTaxShares = OrderTotals.Spread(shippingTax, locations.Select(l => shippingByLocation.GetValueOrDefault(l)).ToArray(), minor);
        var values = locations.Select((l, i) => shippingByLocation.GetValueOrDefault(l) + shippingTaxShares[i]).ToArray();
        foreach (var line in lines)
        {
            // The last weight is the line's backordered units: their share stays with the backorder (BackorderValue).
            var shares = OrderTotals.Spread(line.Paid ?? 0, [.. line.Allocations.Select(a => (decimal)a.Quantity), line.Quantity - line.Allocations.Sum(a => a.Quantity)], minor);
            for (var j = 0; j < line.Allocations.Count; j++)
            {
                values[Array.IndexOf(locations, line.Allocations[j].Location)] += shares[j];
            }
        }

        return locations
            .Select((location, i) => new ShipmentRecord(
                ShipmentId(Id, location), location, ShipmentStatus.ReadyToPick, values[i],
                lines.SelectMany(l => l.Allocations.Where(a => a.Location == location).Select(a => (l.Sku, a.Quantity)))
                    .GroupBy(a => a.Sku, StringComparer.Ordinal).Select(s => new ShipmentLine(s.Key, s.Sum(a => a.Quantity))).ToArray(),
                null, null))
            .ToList();
    }

    private async Task CreateShipmentsAsync()
    {
        var request = State.Request!;
        await Task.WhenAll(State.Shipments.Select(s => GrainFactory.GetGrain<IShipmentGrain>(s.Id).CreateAsync(
            new CreateShipment(Id, s.Location, request.Priority, s.Lines, request.ShippingAddress, State.PlacedAt, State.PromisedBy, request.ShippingMethod, s.Reservation))));
        State.ShipmentsCreated = true; // written with the next change; until then a new activation re-checks (creation is idempotent)
    }

    private async Task<PlaceOrderResult> RejectAsync(PlaceOrderResult rejection)
    {
        State.Status = OrderStatus.Rejected;
        State.Rejection = rejection;
        await SaveAsync();
        return rejection;
    }

    private async Task FinishCancellationAsync(CancelPlan plan)
    {
        var command = plan.Command;
        await CancelBackordersAsync();
        var views = new List<ShipmentView>();
        foreach (var shipmentId in plan.ShipmentIds)
        {
            try
            {
                views.Add(await GrainFactory.GetGrain<IShipmentGrain>(shipmentId).CancelAsync(command.Reason, command.Actor));
            }
            catch (DomainException ex) when (ex.Code == "invalid-transition")
            {
                await SyncAsync(shipmentId); // it shipped after all: it stays, and is not refunded
            }
        }

        // Everything below is decided from the plan and the shipments' answers, so a retry after a failure (the
        // gateway down, a crash) reaches the same amounts; the gateway keys make the money move once.
        var cancelled = views.Where(v => v.Status == ShipmentStatus.Cancelled).Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        var cancelledValue = State.Shipments.Where(s => cancelled.Contains(s.Id)).Sum(s => s.Value) + State.BackorderValue;
        var anyShipped = State.Shipments.Any(s => ShipmentStateMachine.HasShipped(s.Status));
        var payment = State.Payment;
        var currency = State.Request!.Currency;
        var now = timeProvider.GetUtcNow();
        string money;
        if (payment.Status is PaymentStatus.Captured or PaymentStatus.PartiallyRefunded)
        {
            var refund = Math.Min(cancelledValue, payment.Captured - payment.Refunded);
            if (refund > 0)
            {
                await EnsureApprovedAsync(await payments.RefundAsync(Id, "cancel", payment.Capture!, refund, currency), "refund");
            }

            payment.Refunded += refund;
            payment.Status = payment.Refunded >= payment.Captured ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded;
            money = $"{refund:0.00} {currency} refunded";
        }
        else if (!anyShipped && payment.Status is PaymentStatus.Authorized or PaymentStatus.Failed)
        {
            if (payment.Authorized > 0)
            {
                await EnsureApprovedAsync(await payments.VoidAsync(Id, payment.Authorization!), "void");
            }

            payment.Status = PaymentStatus.Voided;
            payment.CaptureDue = false;
            money = $"the authorization of {payment.Authorized:0.00} {currency} voided; nothing was charged";
        }
        else
        {
            payment.CancelledValue += cancelledValue; // not captured yet: the capture will take that much less
            money = $"{cancelledValue:0.00} {currency} will not be charged";
        }

        foreach (var view in views)
        {
            var i = State.Shipments.FindIndex(s => s.Id == view.Id);
            State.Shipments[i] = State.Shipments[i] with { Status = view.Status };
        }

        DropBackorders();
        var partial = anyShipped;
        if (!partial)
        {
            State.Status = OrderStatus.Cancelled;
        }

        Record(now, partial ? "order.partially_cancelled" : "order.cancelled", command.Actor,
            $"{(partial ? "Partially cancelled" : "Cancelled")}: {command.Reason}. {cancelled.Count} shipment(s) cancelled, stock released; {money}.");
        Notify(now, "order_cancelled", partial ? $"Part of order {Id} cancelled" : $"Order {Id} cancelled",
            $"{(partial ? $"We cancelled the part of your order {Id} that had not shipped" : $"Your order {Id} is cancelled")} ({command.Reason}): {money}.");
        State.PendingCancel = null;
        CompleteIfDone(now);
        await SaveAsync();
    }

    // Captures what is due once goods have left. Approved: captured. Declined: failed, the customer is told once,
    // and the next attempt uses a new gateway key. Transient: stays due and is retried before the next request.
    private async Task CaptureAsync()
    {
        var payment = State.Payment;
        var currency = State.Request!.Currency;
        var amount = payment.Authorized - payment.CancelledValue;
        var now = timeProvider.GetUtcNow();
        var result = amount <= 0
            ? new PaymentResult(PaymentOutcome.Approved, null, null, null)
            : await payments.CaptureAsync(Id, payment.CaptureAttempts, payment.Authorization!, amount, currency);
        switch (result.Outcome)
        {
            case PaymentOutcome.Approved:
                payment.Status = PaymentStatus.Captured;
                payment.Captured = Math.Max(0, amount);
                payment.Capture = result.Reference;
                payment.CaptureDue = false;
                Record(now, "payment.captured", System, $"{payment.Captured:0.00} {currency} captured as the first shipment left.");
                break;
            case PaymentOutcome.Declined:
                payment.CaptureDue = false;
                payment.CaptureAttempts++;
                if (payment.Status != PaymentStatus.Failed)
                {
                    Notify(now, "payment_problem", $"A problem with the payment for order {Id}",
                        $"We could not charge {amount:0.00} {currency} for your order {Id} ({result.Reason}). Please contact us to settle it.");
                }

                payment.Status = PaymentStatus.Failed;
                Record(now, "payment.capture_failed", System, $"Capture of {amount:0.00} {currency} declined: {result.Reason}.");
                break;
            default:
                return; // still due; nothing to write
        }

        await SaveAsync();
    }

    private static Task EnsureApprovedAsync(PaymentResult result, string operation) => result.Outcome switch
    {
        PaymentOutcome.Approved => Task.CompletedTask,
        PaymentOutcome.Declined => throw new DomainException(DomainErrorKind.PaymentRefused, "payment-declined",
            $"The payment gateway declined the {operation}: {result.Reason}."),
        _ => throw new DomainException(DomainErrorKind.Unavailable, "payment-unavailable",
            $"The payment gateway did not answer the {operation} ({result.Reason}); try again."),
    };

    private void RecordShipmentChange(ShipmentRecord before, ShipmentView view, Actor actor)
    {
        var now = timeProvider.GetUtcNow();
        var last = view.Events[^1];
        Record(last.At, last.Type, actor, $"Shipment {view.Id} ({view.Location}): {last.Details}");
        switch (view.Status)
        {
            case ShipmentStatus.Shipped when before.Status != ShipmentStatus.Shipped:
                Notify(now, "shipment_shipped", $"Your order {Id} has shipped",
                    $"{view.Lines.Sum(l => l.Quantity)} item(s) of order {Id} left {view.Location} with {view.Carrier}. Tracking number {view.TrackingNumber}; estimated delivery {view.EstimatedDelivery:dddd, d MMMM yyyy}.");
                break;
            case ShipmentStatus.OutForDelivery when before.Status != ShipmentStatus.OutForDelivery:
                Notify(now, "shipment_out_for_delivery", $"Your order {Id} is out for delivery",
                    $"Shipment {view.TrackingNumber} of order {Id} is on its way to you today.");
                break;
            case ShipmentStatus.Delivered when before.Status != ShipmentStatus.Delivered:
                Notify(now, "shipment_delivered", $"Your order {Id} was delivered",
                    $"Shipment {view.TrackingNumber} of order {Id} was delivered{(last.Details is { Length: > 0 } d ? $": {d}" : ".")}");
                break;
            case ShipmentStatus.FailedAttempt:
                Notify(now, "delivery_failed", $"We missed you: order {Id}",
                    $"The carrier could not deliver shipment {view.TrackingNumber} of order {Id} ({last.Details}). It will try again.");
                break;
            case ShipmentStatus.ReturnedToSender when before.Status != ShipmentStatus.ReturnedToSender:
                Notify(now, "delivery_failed", $"Order {Id} is coming back to us",
                    $"The carrier is returning shipment {view.TrackingNumber} of order {Id} to us. We will contact you about a replacement or refund.");
                break;
        }

        CompleteIfDone(last.At); // dated by the delivery, the clock the return window counts from
    }

    private void CompleteIfDone(DateTimeOffset now)
    {
        var live = State.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).ToArray();
        if (State.Status == OrderStatus.Confirmed && live.Length > 0 && live.All(s => s.Status == ShipmentStatus.Delivered) && !HasBackorders)
        {
            State.Status = OrderStatus.Completed;
            Record(now, "order.completed", System, "Every shipment was delivered.");
            Notify(now, "feedback_requested", $"How was your order {Id}?",
                $"Your order {Id} has arrived. Tell us how it went: rate it from 1 to 5 and add a comment. Something wrong? Open a return within {returnOptions.Value.WindowDays} days, or contact support.");
        }
    }

    private FulfillmentStatus Fulfillment()
    {
        var live = State.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).ToArray();
        var shipped = live.Count(s => ShipmentStateMachine.HasShipped(s.Status));
        var delivered = live.Count(s => s.Status == ShipmentStatus.Delivered);
        if (HasBackorders)
        {
            return shipped == 0 ? FulfillmentStatus.Backordered : delivered > 0 ? FulfillmentStatus.PartiallyDelivered : FulfillmentStatus.PartiallyShipped;
        }

        return live.Length == 0 || shipped == 0 ? FulfillmentStatus.Unfulfilled
            : delivered == live.Length ? FulfillmentStatus.Delivered
            : delivered > 0 ? FulfillmentStatus.PartiallyDelivered
            : shipped == live.Length ? FulfillmentStatus.Shipped
            : FulfillmentStatus.PartiallyShipped;
    }

    private IReadOnlyList<string> AllowedActions() => [.. CanCancel ? ["cancel"] : Array.Empty<string>(), .. CanEdit ? ["edit"] : Array.Empty<string>()];

    private string DescribeState()
        => State.Status == OrderStatus.Confirmed
            ? JsonNamingPolicy.SnakeCaseLower.ConvertName(Fulfillment().ToString())
            : JsonNamingPolicy.SnakeCaseLower.ConvertName(State.Status.ToString());

    // Every write publishes the timeline entries it records, in the same transaction (the order's stream).
    private Task SaveAsync()
    {
        if (State.Request is not null)
        {
            var stream = StreamId.Create(StreamNamespaces.Orders, Id);
            foreach (var entry in State.Timeline.Skip(State.PublishedTimeline))
            {
                order.Append(stream, entry.Type, ToEvent(entry));
            }

            foreach (var notification in State.Notifications.Skip(State.PublishedNotifications))
            {
                order.Append(stream, CustomerNotificationEvent.Type, new CustomerNotificationEvent(Id, notification));
            }
        }

        State.PublishedTimeline = State.Timeline.Count;
        State.PublishedNotifications = State.Notifications.Count;
        return WriteAsync();
    }

    private async Task WriteAsync()
    {
        try
        {
            await order.WriteStateAsync();
            _written = WrittenSummary();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _writeFailed = true;
            throw;
        }
    }

    // A fault while settling that leaves the settlement due without hiding a failed write of the order itself.
    private bool IsSettlementFault(Exception ex) => ex is not OperationCanceledException && !_writeFailed;

    private OrderEvent ToEvent(TimelineEntry entry)
    {
        var request = State.Request!;
        return new OrderEvent(Id, entry.Type, entry.At, entry.Actor, entry.Details, State.Status, State.Payment.Status, Fulfillment(),
            request.Channel, request.Priority, request.Customer.Id, request.Currency, Subtotal(request), State.Payment.Captured, State.Payment.Refunded,
            State.Lines.Select((l, i) => new OrderEventLine(l.Sku, l.Quantity, l.UnitPrice, CancelledUnits(l), RefundedUnitsOfLine(i), l.Discount, l.Tax, l.Backordered)).ToArray(), State.PlacedAt, State.PromisedBy,
            Aftercare(), State.Charges is { } c ? new OrderTotalsSummary(c.Discount, c.Shipping, c.Tax, c.Total, c.TaxIncluded, c.ShippingTax) : null);
    }

    // The refunded units of a SKU spread over its lines cheapest first, as refunds value them.
    private int RefundedUnitsOfLine(int index)
    {
        var line = State.Lines[index];
        var left = State.Refunds.Where(r => r.Status == RefundStatus.Refunded).SelectMany(r => r.Lines).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
        foreach (var (other, i) in State.Lines.Select((l, i) => (l, i)).Where(x => x.l.Sku == line.Sku).OrderBy(x => x.l.UnitPrice).ThenBy(x => x.i))
        {
            var taken = Math.Min(left, other.Quantity - CancelledUnits(other));
            if (i == index)
            {
                return taken;
            }

            left -= taken;
        }

        return 0;
    }

    // A line's units at placement are allocated per location, each location one shipment; units allocated later are in
    // their round's shipment. Those in cancelled shipments are cancelled, and so are backordered units a cancellation took off.
    private int CancelledUnits(OrderLine line)
        => line.Allocations.Where(a => IsCancelled(ShipmentId(Id, a.Location))).Sum(a => a.Quantity)
            + (line.Allocated ?? []).Where(a => IsCancelled(a.ShipmentId)).Sum(a => a.Quantity) + line.BackorderCancelled;

    private bool IsCancelled(string shipmentId) => State.Shipments.Any(s => s.Id == shipmentId && s.Status == ShipmentStatus.Cancelled);

    // The timeline is in order whatever the clocks say: an entry is never dated before the one it follows (a carrier's
    // time may run up to DomainLimits.ClockSkew ahead, and silos' clocks differ a little).
    private void Record(DateTimeOffset at, string type, Actor actor, string details)
        => State.Timeline.Add(new TimelineEntry(State.Timeline.Count > 0 && State.Timeline[^1].At > at ? State.Timeline[^1].At : at,
            type, actor, actor == State.Request?.Actor ? State.Request.Channel : null, details));

    private void Notify(DateTimeOffset at, string type, string subject, string body)
        => State.Notifications.Add(new CustomerNotification($"{Id}-n{State.Notifications.Count + 1}", type, State.Request!.Customer.Email, subject, body, at));

    // Splits a SKU's reserved allocations over the lines of that SKU, in line order.
    private static List<LocationAllocation> Take(List<LocationAllocation> pool, int quantity)
    {
        var taken = new List<LocationAllocation>();
        while (quantity > 0 && pool.Count > 0) // a short pool: the rest is backordered
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

    // Prices every line: from the catalog in the order's currency, or the override an ops or admin key (or this order,
    // for a replacement) set. Refuses SKUs not on sale in the currency, and shown prices the catalog no longer has.
    private async Task<(PlaceOrder Priced, Dictionary<string, ProductView?> Catalog, PlaceOrderResult? Refusal)> PriceAsync(PlaceOrder command)
    {
        if (command.Lines.Any(l => l.PriceOverride) && command.Actor.Kind is not ("api-key:ops" or "api-key:admin" or "system"))
        {
            throw new DomainException(DomainErrorKind.Invalid, "price-override-forbidden", "Only ops and admin keys may override a catalog price.");
        }

        var catalog = await PricingLookups.ProductsAsync(GrainFactory, command.Lines.Select(l => l.Sku));
        var prices = catalog.ToDictionary(p => p.Key, p => p.Value?.PriceIn(command.Currency), StringComparer.Ordinal);
        var unknown = catalog.Where(p => p.Value is null && command.Lines.Any(l => l.Sku == p.Key && !l.PriceOverride)).Select(p => p.Key).ToArray();
        if (unknown.Length > 0)
        {
            return (command, catalog, new PlaceOrderResult(PlacementOutcome.UnknownSku, null, [], unknown));
        }

        var unpriced = command.Lines.Where(l => !l.PriceOverride && prices[l.Sku] is null).Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
        if (unpriced.Length > 0)
        {
            return (command, catalog, new PlaceOrderResult(PlacementOutcome.Unpriced, null, [], [], UnpricedSkus: unpriced));
        }

        var changes = command.Lines
            .Where(l => !l.PriceOverride && l.UnitPrice is { } shown && shown != prices[l.Sku])
            .Select(l => new PriceChange(l.Sku, l.UnitPrice!.Value, prices[l.Sku]!.Value))
            .Distinct()
            .ToArray();
        if (changes.Length > 0)
        {
            return (command, catalog, new PlaceOrderResult(PlacementOutcome.PriceChanged, null, [], [], PriceChanges: changes));
        }

        return (command with { Lines = command.Lines.Select(l => l.PriceOverride ? l : l with { UnitPrice = prices[l.Sku] }).ToArray() }, catalog, null);
    }

    // The shipping charge (the picked carrier's quote for each location's parcel) and the tax (the rules of the shipping
    // address's region, else its country's), decided once the reservations say where the units ship from.
    private Task<(Totals? Totals, OrderCharges? Charges, Dictionary<string, decimal>? ShippingByLocation, PlaceOrderResult? Refusal)> ChargesAsync(
        PlaceOrder command, Dictionary<string, ProductView?> catalog, ReservationResult[] reservations, decimal discount)
        => ChargesAsync(command, sku => catalog.GetValueOrDefault(sku)?.TaxClass ?? "standard", reservations.SelectMany(Parcels), discount);

    private async Task<(Totals? Totals, OrderCharges? Charges, Dictionary<string, decimal>? ShippingByLocation, PlaceOrderResult? Refusal)> ChargesAsync(
        PlaceOrder command, Func<string, string> taxClass, IEnumerable<LocationAllocation> allocations, decimal discount)
    {
        var address = command.ShippingAddress;
        var shippingByLocation = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (command.ShippingMethod is { } carrier)
        {
            foreach (var parcel in allocations.GroupBy(a => a.Location, StringComparer.Ordinal))
            {
                var quote = address is null ? null : carriers.Choose(new ParcelSpec(parcel.Key, address.Country, address.PostalCode, parcel.Sum(a => a.Quantity)), int.MaxValue, carrier)?.Quote;
                if (quote is null || quote.Currency != command.Currency)
                {
                    return (null, null, null, new PlaceOrderResult(PlacementOutcome.ShippingUnavailable, null, [], [],
                        Detail: quote is null
                            ? $"Shipping method '{carrier}' does not exist or does not ship from {parcel.Key} to {address?.Country ?? "an order without an address"}."
                            : $"Shipping method '{carrier}' is priced in {quote.Currency}, not {command.Currency}."));
                }

                shippingByLocation[parcel.Key] = quote.Price;
            }
        }

        var region = await PricingLookups.TaxRegionAsync(GrainFactory, address);

        var totals = OrderTotals.Compute(
            command.Lines.Select(l => new TotalsLine(l.Quantity, l.Price, taxClass(l.Sku))).ToArray(),
            discount, shippingByLocation.Values.Sum(), region, IsoCodes.MinorUnits(command.Currency));
        return (totals, new OrderCharges(command.ShippingMethod, totals.ShippingTotal, totals.ShippingTax, totals.DiscountTotal, totals.TaxTotal, totals.Total, totals.TaxIncluded, region?.Code, command.DiscountCode),
            shippingByLocation, null);
    }

    // An override is on the timeline with the catalog price it replaced (a replacement's prices are its original's).
    private void RecordOverrides(PlaceOrder command, Dictionary<string, ProductView?> catalog, DateTimeOffset now)
    {
        if (command.Replacement is not null)
        {
            return;
        }

        foreach (var line in command.Lines.Where(l => l.PriceOverride).DistinctBy(l => (l.Sku, l.UnitPrice)))
        {
            var was = catalog[line.Sku]?.PriceIn(command.Currency) is { } price ? $"catalog price {price:0.00}" : "not priced in the catalog";
            Record(now, "order.price_overridden", command.Actor, $"{line.Sku} charged at {line.Price:0.00} {command.Currency} ({was}).");
        }
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
        if (order.RecordExists)
        {
            await order.ClearStateAsync(); // an order left "reserving" by an earlier version's write-ahead
        }
        else
        {
            order.State = new OrderState();
        }
    }

    // Gives back what a placement took: its reservations, its discount use and its place in the customer's list.
    private Task ReleaseAllAsync(PlaceOrder command)
        => Task.WhenAll(command.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal)
            .Select(sku => GrainFactory.GetGrain<IInventoryGrain>(sku).ReleaseAsync(new ReleaseStock(Id)))
            .Append(command.DiscountCode is { } code ? GrainFactory.GetGrain<IDiscountGrain>(code).ReleaseAsync(Id) : Task.CompletedTask)
            .Append(ForgetWithCustomerAsync(command)));

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

    private static decimal Subtotal(PlaceOrder command) => command.Lines.Sum(l => l.Quantity * l.Price);

    /// <summary>The id of an order's shipment from a location: stable, so creating it again finds the same grain.</summary>
    public static string ShipmentId(string orderId, string location)
        => "shp_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{orderId}\n{location}")))[..24];

    // The actor is not part of the request body: a retry by the same client is the same request.
    private static string Fingerprint(PlaceOrder command)
        => RequestFingerprint.Of(command with { Actor = new Actor("", "") });

    // A line as readers see it: every unit where it is held or was allocated, and what still waits for stock.
    private static OrderLineView LineView(OrderLine l)
        => new(l.Sku, l.Quantity, l.UnitPrice, l.Quantity * l.UnitPrice, AllAllocations(l), l.Discount, l.Tax, l.Backordered);

    private OrderView View()
    {
        var request = State.Request!;
        var payment = State.Payment;
        return new OrderView(
            Id,
            State.Status,
            payment.Status,
            Fulfillment(),
            request.Customer,
            request.Channel,
            request.Priority,
            request.Currency,
            State.Lines.Select(LineView).ToArray(),
            Subtotal(request),
            request.ShippingAddress,
            new PaymentView(payment.Method, payment.Status, payment.Authorized, payment.Captured, payment.Refunded, payment.Authorization),
            State.Shipments.Select(s => new ShipmentSummary(s.Id, s.Location, ShipmentStateMachine.Format(s.Status), s.Carrier, s.TrackingNumber)).ToArray(),
            [.. State.Timeline],
            State.PlacedAt,
            State.PromisedBy,
            AllowedActions(),
            State.Returns.Select(ReturnView).ToArray(),
            State.Claims.Select(ClaimView).ToArray(),
            [.. State.Refunds],
            State.Feedback,
            State.Tickets.Select(TicketView).ToArray(),
            request.Replacement?.OriginalOrderId,
            [.. State.Replacements],
            State.Charges?.Discount ?? 0,
            State.Charges?.Shipping ?? 0,
            State.Charges?.Tax ?? 0,
            State.Charges?.Total ?? Subtotal(request),
            State.Charges?.TaxIncluded ?? false,
            State.Charges?.ShippingMethod,
            State.Charges?.DiscountCode,
            Version);
    }
}
