using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Payments;
using OrderActors.Grains.Shipments;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Orders;

/// <summary>
/// Returns, exchanges, refunds and claims. They live in the order, not in grains of their own: the order is the
/// aggregate root, so "never more units back than were delivered, open returns included" and "never more refunded
/// than captured" are checked in one turn, and every call still goes down (order → inventory, order → replacement
/// order → shipment), never back up.
/// </summary>
public sealed partial class OrderGrain
{
    private static readonly Actor Nobody = new("", "");

    public async Task<ReturnView> RequestReturnAsync(RequestReturn command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "return", request) is { } known)
        {
            return ReturnView(State.Returns.Single(r => r.Id == known));
        }

        EnsureDelivered("return");
        var now = timeProvider.GetUtcNow();
        var units = Units(command.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)));
        var window = returnOptions.Value.WindowDays;
        foreach (var line in units)
        {
            if (LastDelivery(line.Sku) is { } delivered && now > delivered.AddDays(window))
            {
                throw DomainException.Invalid("return-window-closed",
                    $"The return window for '{line.Sku}' closed on {delivered.AddDays(window):yyyy-MM-dd}, {window} days after its delivery on {delivered:yyyy-MM-dd}.");
            }

            EnsureUncommitted(line, Delivered(line.Sku), CommittedAgainstDelivered(line.Sku), "return-exceeds-delivered", "return", "delivered");
        }

        if (command.Resolution == ReturnResolution.Exchange)
        {
            ValidateExchange(command.Exchange);
        }

        var takes = TakeUnits(units);
        var record = new ReturnRecord
        {
            Id = $"{Id}-r{State.Returns.Count + 1}",
            Status = ReturnStatus.Requested,
            Resolution = command.Resolution,
            Lines = units.Select(u =>
            {
                var first = command.Lines.First(l => l.Sku == u.Sku);
                return new ReturnLineView(u.Sku, u.Quantity, ValueOf(takes, u.Sku, u.Quantity) / u.Quantity, first.Reason, first.Comment);
            }).ToList(),
            Exchange = command.Resolution == ReturnResolution.Exchange ? [.. command.Exchange] : [],
            Takes = takes,
            Comment = command.Comment,
            Value = Money(takes.Sum(t => t.Worth)),
            Location = ReturnLocation(units[0].Sku),
            RequestedAt = now,
        };
        var policy = returnOptions.Value;
        var label = policy.AutoAuthorize == ReturnAuthorization.Always
            || (policy.AutoAuthorize == ReturnAuthorization.UpToAmount && record.Value <= policy.AutoAuthorizeUpTo)
            ? await ReturnLabelForAsync(record) // may refuse (no carrier, no address): before anything is recorded
            : null;
        Commit(takes, +1);
        State.Returns.Add(record);
        Record(now, "return.requested", command.Actor,
            $"Return {record.Id} requested for {Describe(units)} ({string.Join(", ", record.Lines.Select(l => ReportName(l.Reason)).Distinct())}), " +
            $"worth {record.Value:0.00} {State.Request!.Currency}; the customer wants {(record.Resolution == ReturnResolution.Exchange ? $"an exchange for {Describe(record.Exchange.Select(e => new SkuQuantity(e.Sku, e.Quantity)))}" : "a refund")}.");
        if (label is not null)
        {
            AuthorizeReturn(record, label, now, System);
        }

        Remember(command.IdempotencyKey, command.Actor, "return", request, record.Id);
        await SaveAsync();
        return ReturnView(record);
    }

    public async Task<ReturnView> DecideReturnAsync(DecideReturn command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "decide", request) is { } known)
        {
            return ReturnView(FindReturn(known));
        }

        var record = FindReturn(command.ReturnId);
        if (record.Status != ReturnStatus.Requested)
        {
            throw DomainException.InvalidTransition($"return '{record.Id}'", command.Authorize ? "authorize" : "reject", ReportName(record.Status), ReturnActions(record));
        }

        var now = timeProvider.GetUtcNow();
        if (command.Authorize)
        {
            AuthorizeReturn(record, await ReturnLabelForAsync(record), now, command.Actor);
        }
        else
        {
            Commit(record.Takes, -1);
            record.Status = ReturnStatus.Rejected;
            record.Note = command.Reason;
            Record(now, "return.rejected", command.Actor, $"Return {record.Id} rejected: {command.Reason}.");
            Notify(now, "return_rejected", $"Your return {record.Id} was not accepted",
                $"We cannot accept return {record.Id} of order {Id}: {command.Reason}. Reply to this message or contact support if you disagree.");
        }

        Remember(command.IdempotencyKey, command.Actor, "decide", request, record.Id);
        await SaveAsync();
        return ReturnView(record);
    }

    public async Task<ReturnView> ReceiveReturnAsync(ReceiveReturn command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "receive", request) is { } known)
        {
            return ReturnView(FindReturn(known));
        }

        var record = FindReturn(command.ReturnId);
        if (record.Status != ReturnStatus.Authorized)
        {
            throw DomainException.InvalidTransition($"return '{record.Id}'", "receive", ReportName(record.Status), ReturnActions(record));
        }

        if (command.Lines.Count == 0 || command.Lines.Any(l => l.Quantity <= 0))
        {
            throw DomainException.Invalid("validation-failed", "A receipt needs at least one line, each with a positive quantity.");
        }

        var inspection = command.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new InspectionResult(g.Key, g.Where(l => l.Condition == ItemCondition.Resellable).Sum(l => l.Quantity), g.Where(l => l.Condition == ItemCondition.Damaged).Sum(l => l.Quantity)))
            .ToList();
        foreach (var result in inspection)
        {
            var expected = record.Lines.FirstOrDefault(l => l.Sku == result.Sku)?.Quantity ?? 0;
            if (result.Resellable + result.Damaged > expected)
            {
                throw DomainException.Conflict("receipt-exceeds-return",
                    $"Return {record.Id} holds {expected} unit(s) of '{result.Sku}'; {result.Resellable + result.Damaged} cannot be received against it.");
            }
        }

        if (command.Location is { } named && named != record.Location)
        {
            // Units restocked where their SKU is not stocked would be stock nobody can sell: refused before anything changes.
            foreach (var result in inspection)
            {
                var stock = await GrainFactory.GetGrain<IInventoryGrain>(result.Sku).GetAsync();
                if (stock is null || !stock.Locations.Any(l => l.Location == named))
                {
                    throw DomainException.Invalid("validation-failed", $"'{named}' is not a stock location of '{result.Sku}'; receive the return where the SKU is stocked.");
                }
            }
        }

        var now = timeProvider.GetUtcNow();
        var location = command.Location ?? record.Location;
        record.Status = ReturnStatus.Received;
        record.ReceivedAt = now;
        record.Location = location;
        record.Inspection = inspection;
        var received = inspection.Select(i => new SkuQuantity(i.Sku, i.Resellable + i.Damaged)).ToArray();
        var credit = received.Sum(r => ValueOf(record.Takes, r.Sku, r.Quantity));
        // An exchange is a refund of the received units plus a replacement order charged in full, with no credit
        // carried over: cancelling or returning the replacement then refunds it like any order, and a capture that
        // failed on this order makes the exchange no cheaper.
        var settlement = record.Resolution == ReturnResolution.Exchange
            ? new Settlement(record.Id, location, inspection, credit, received, new ReplacementPlan(NextReplacementId(), ExchangeLines(record.Exchange), 0), command.Actor)
            : new Settlement(record.Id, location, inspection, credit, received, null, command.Actor);
        State.PendingSettlements.Add(settlement);
        Remember(command.IdempotencyKey, command.Actor, "receive", request, record.Id);
        var (resellable, damaged) = (inspection.Sum(i => i.Resellable), inspection.Sum(i => i.Damaged));
        Record(now, "return.received", command.Actor,
            $"Return {record.Id} received at {location}: {resellable} unit(s) resellable, back in stock; {damaged} damaged, written off.");
        Notify(now, "return_received", $"We received your return {record.Id}",
            $"Your return {record.Id} of order {Id} arrived and was inspected. " +
            (record.Resolution == ReturnResolution.Exchange ? $"We are refunding {credit:0.00} {State.Request!.Currency} and sending your exchange, charged as an order of its own." : $"We are refunding {credit:0.00} {State.Request!.Currency}."));
        await SaveAsync();
        await TrySettleAsync(settlement);
        return ReturnView(record);
    }

    public async Task<RefundView> RefundAsync(RefundPayment command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "refund", request) is { } known)
        {
            return State.Refunds.Single(r => r.Id == known);
        }

        if (command.Shipping < 0)
        {
            throw DomainException.Invalid("validation-failed", $"A shipping refund of {command.Shipping} must not be negative.");
        }

        var units = command.Lines.Count == 0 ? [] : Units(command.Lines);
        foreach (var line in units)
        {
            EnsureUncommitted(line, Shipped(line.Sku), Committed(line.Sku), "refund-exceeds-units", "refund", "shipped");
        }

        var takes = TakeUnits(units);
        var amount = Money(takes.Sum(t => t.Worth)) + command.Shipping;
        if (amount <= 0)
        {
            throw DomainException.Invalid("validation-failed", "A refund needs units or a shipping amount.");
        }

        EnsureRefundable(amount);
        Commit(takes, +1);
        var refund = new RefundView(NextRefundId(), null, amount, [.. units], command.Shipping, command.Reason, null, timeProvider.GetUtcNow(), RefundStatus.Pending);
        State.Refunds.Add(refund);
        Remember(command.IdempotencyKey, command.Actor, "refund", request, refund.Id);
        await SaveAsync(); // written ahead with its gateway key: a crash from here on is finished under the same key
        refund = await SendRefundAsync(refund, command.Actor);
        await SaveAsync();
        return refund.Status == RefundStatus.Failed
            ? throw new DomainException(DomainErrorKind.PaymentRefused, "payment-declined", $"The payment gateway declined refund {refund.Id}: {refund.Failure}.")
            : refund;
    }

    public async Task<RefundView> RetryRefundAsync(RetryRefund command)
    {
        await SettleAsync();
        EnsureVisible();
        var refund = State.Refunds.FirstOrDefault(r => r.Id == command.RefundId)
            ?? throw DomainException.NotFound("refund-not-found", $"Order '{Id}' has no refund '{command.RefundId}'.");
        if (refund.Status != RefundStatus.Failed)
        {
            throw DomainException.InvalidTransition($"refund '{refund.Id}'", "retry", ReportName(refund.Status), []);
        }

        var pending = refund with { Status = RefundStatus.Pending, Failure = null, Attempt = refund.Attempt + 1 };
        State.Refunds[State.Refunds.IndexOf(refund)] = pending;
        await SaveAsync();
        var done = await SendRefundAsync(pending, command.Actor);
        await SaveAsync();
        return done;
    }

    public async Task<ClaimView> OpenClaimAsync(OpenClaim command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "claim", request) is { } known)
        {
            return ClaimView(State.Claims.Single(c => c.Id == known));
        }

        var now = timeProvider.GetUtcNow();
        IReadOnlyList<SkuQuantity> units;
        string? shipmentId = null;
        if (command.Type == ClaimType.ParcelLost)
        {
            var shipment = await LostShipmentAsync(command.ShipmentId, now);
            shipmentId = shipment.Id;
            units = command.Lines.Count == 0 ? shipment.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)).ToArray() : Units(command.Lines);
            foreach (var line in units)
            {
                EnsureUncommitted(line, shipment.Lines.Where(l => l.Sku == line.Sku).Sum(l => l.Quantity), CommittedAgainst(shipment.Id, line.Sku), "claim-exceeds-shipped", "claim", "in that parcel");
            }
        }
        else
        {
            EnsureDelivered("claim");
            units = Units(command.Lines);
            foreach (var line in units)
            {
                EnsureUncommitted(line, Delivered(line.Sku), CommittedAgainstDelivered(line.Sku), "claim-exceeds-delivered", "claim", "delivered");
            }
        }

        var takes = TakeUnits(units);
        Commit(takes, +1);

        var claim = new ClaimRecord
        {
            Id = $"{Id}-c{State.Claims.Count + 1}",
            Type = command.Type,
            Status = ClaimStatus.Open,
            ShipmentId = shipmentId,
            Lines = [.. units],
            Takes = takes,
            Description = command.Description,
            Value = Money(takes.Sum(t => t.Worth)),
            OpenedAt = now,
        };
        State.Claims.Add(claim);
        Record(now, "claim.opened", command.Actor, $"Claim {claim.Id} ({ReportName(claim.Type)}) for {Describe(units)}: {command.Description}");
        Remember(command.IdempotencyKey, command.Actor, "claim", request, claim.Id);
        await SaveAsync();
        return ClaimView(claim);
    }

    public async Task<ClaimView> ResolveClaimAsync(ResolveClaim command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "resolve", request) is { } known)
        {
            return ClaimView(State.Claims.Single(c => c.Id == known));
        }

        var claim = State.Claims.FirstOrDefault(c => c.Id == command.ClaimId)
            ?? throw DomainException.NotFound("claim-not-found", $"Order '{Id}' has no claim '{command.ClaimId}'.");
        if (claim.Status != ClaimStatus.Open)
        {
            throw DomainException.InvalidTransition($"claim '{claim.Id}'", "resolve", ReportName(claim.Status), ClaimActions(claim));
        }

        claim.Status = ClaimStatus.Resolving;
        claim.Resolution = command.Resolution;
        claim.Note = command.Note;
        // A parcel that came back to us is stock again at its location (restocked once, keyed by the claim id).
        var returnedParcel = claim.ShipmentId is { } parcelId && State.Shipments.FirstOrDefault(s => s.Id == parcelId) is { Status: ShipmentStatus.ReturnedToSender } parcel
            ? parcel
            : null;
        var restock = returnedParcel is null ? [] : claim.Lines.Select(l => new InspectionResult(l.Sku, l.Quantity, 0)).ToArray();
        var settlement = command.Resolution == ClaimResolution.Replacement
            ? new Settlement(claim.Id, returnedParcel?.Location, restock, 0, claim.Lines,
                new ReplacementPlan(NextReplacementId(), claim.Takes.Select(t => new OrderLineRequest(t.Sku, t.Quantity, t.UnitPrice, PriceOverride: true)).ToArray(), claim.Value), command.Actor)
            : new Settlement(claim.Id, returnedParcel?.Location, restock, claim.Value, claim.Lines, null, command.Actor);
        State.PendingSettlements.Add(settlement);
        Remember(command.IdempotencyKey, command.Actor, "resolve", request, claim.Id);
        await SaveAsync();
        await TrySettleAsync(settlement);
        return ClaimView(claim);
    }

    // A gateway outage leaves the settlement due: it is finished before the order's next request.
    private async Task TrySettleAsync(Settlement settlement)
    {
        try
        {
            await FinishSettlementAsync(settlement);
        }
        catch (DomainException ex) when (ex.Kind == DomainErrorKind.Unavailable)
        {
        }
        catch (Exception ex) when (ex is not DomainException && IsSettlementFault(ex))
        {
            // A timeout or a fault below (inventory, replacement order, gateway): the settlement stays due.
            logger.LogWarning(ex, "Settling {Cause} of order {OrderId} failed; it is retried before the order's next request.", settlement.Cause, Id);
        }
    }

    // Restock, replacement, refund, then the return or claim is done: each step idempotent, so a repeat after a
    // crash or an outage moves stock and money once.
    private async Task FinishSettlementAsync(Settlement settlement)
    {
        if (settlement.Location is { } location)
        {
            await Task.WhenAll(settlement.Restock.Select(r => GrainFactory.GetGrain<IInventoryGrain>(r.Sku)
                .RestockAsync(new RestockStock(settlement.Cause, location, r.Resellable, r.Damaged))));
        }

        var currency = State.Request!.Currency;
        var refund = settlement.Refund;
        string? replacementId = null;
        var notes = new List<string>();
        if (settlement.Replacement is { } replacement)
        {
            var result = await GrainFactory.GetGrain<IOrderGrain>(replacement.OrderId).PlaceAsync(ReplacementOrder(replacement, settlement.Cause));
            var value = replacement.Lines.Sum(l => l.Quantity * l.Price);
            switch (result.Outcome)
            {
                case PlacementOutcome.Placed:
                    replacementId = replacement.OrderId;
                    refund += Math.Max(0, replacement.Credit - value);
                    notes.Add(replacement.Credit == 0 && value > 0
                        ? $"Replacement {replacementId} placed; its {value:0.00} {currency} is charged on it."
                        : value > replacement.Credit
                        ? $"Replacement {replacementId} placed; the difference of {value - replacement.Credit:0.00} {currency} is charged on it."
                        : $"Replacement {replacementId} placed.");
                    break;
                case PlacementOutcome.PaymentUnavailable:
                    throw new DomainException(DomainErrorKind.Unavailable, "payment-unavailable", "The payment gateway did not answer for the replacement order; it is retried.");
                default:
                    refund += replacement.Credit;
                    notes.Add($"The replacement could not be placed ({ReportName(result.Outcome)}){(replacement.Credit > 0 ? ", so it is refunded instead" : "")}.");
                    break;
            }
        }

        var payment = State.Payment;
        var refundable = Math.Max(0, payment.Captured - payment.Refunded - Reserved(settlement.Cause));
        if (refund > refundable)
        {
            notes.Add($"The refund is capped at {refundable:0.00} {currency}, what is left of the capture.");
            refund = refundable;
        }

        if (refund > 0)
        {
            // A decline does not leave the settlement stuck: its refund is recorded as failed, for ops to retry.
            var issued = State.Refunds.FirstOrDefault(r => r.Cause == settlement.Cause)
                ?? await SendRefundAsync(new RefundView(NextRefundId(), settlement.Cause, refund, [.. settlement.RefundLines], 0, $"settles {settlement.Cause}", null,
                    timeProvider.GetUtcNow(), RefundStatus.Pending), settlement.Actor);
            if (issued.Status != RefundStatus.Refunded)
            {
                notes.Add($"The refund {issued.Id} of {refund:0.00} {currency} was declined ({issued.Failure}); ops may retry it.");
                refund = 0;
            }
        }

        var now = timeProvider.GetUtcNow();
        var note = notes.Count == 0 ? null : string.Join(" ", notes);
        if (State.Returns.FirstOrDefault(r => r.Id == settlement.Cause) is { } returned)
        {
            (returned.Status, returned.Refunded, returned.ReplacementOrderId, returned.CompletedAt) = (ReturnStatus.Completed, refund, replacementId, now);
            returned.Note = note;
            Record(now, "return.completed", System, $"Return {returned.Id} completed: {refund:0.00} {currency} refunded.{(note is null ? "" : " " + note)}");
        }
        else if (State.Claims.FirstOrDefault(c => c.Id == settlement.Cause) is { } claim)
        {
            (claim.Status, claim.Refunded, claim.ReplacementOrderId, claim.ResolvedAt) = (ClaimStatus.Resolved, refund, replacementId, now);
            claim.Note = string.Join(" ", new[] { claim.Note, note }.Where(n => n is not null));
            Record(now, "claim.resolved", settlement.Actor, $"Claim {claim.Id} resolved: {refund:0.00} {currency} refunded.{(note is null ? "" : " " + note)}");
            Notify(now, "claim_resolved", $"Your claim {claim.Id} is resolved",
                replacementId is null ? $"We refunded {refund:0.00} {currency} for claim {claim.Id} of order {Id}." : $"We are sending a replacement at no charge (order {replacementId}) for claim {claim.Id} of order {Id}.");
        }

        if (replacementId is not null && !State.Replacements.Contains(replacementId))
        {
            State.Replacements.Add(replacementId);
            Record(now, "order.replacement_placed", System, $"Replacement order {replacementId} placed for {settlement.Cause}.");
            Notify(now, "replacement_created", $"Your replacement for order {Id} is on its way",
                $"We placed order {replacementId} to replace units of order {Id} ({settlement.Cause}); you will get its tracking number when it ships.");
        }

        State.PendingSettlements.Remove(settlement);
        await SaveAsync();
    }

    // Sends a refund written ahead (or, for a settlement, fixed by its cause) under its own gateway key, and records
    // the answer: refunded, or failed with the gateway's reason (not retried until ops retry it). An outage throws
    // and leaves it as it was. The caller saves.
    private async Task<RefundView> SendRefundAsync(RefundView refund, Actor actor)
    {
        var payment = State.Payment;
        var currency = State.Request!.Currency;
        var purpose = (refund.Cause ?? refund.Id) + (refund.Attempt > 0 ? $":retry{refund.Attempt}" : "");
        var result = await payments.RefundAsync(Id, purpose, payment.Capture!, refund.Amount, currency);
        var now = timeProvider.GetUtcNow();
        RefundView done;
        switch (result.Outcome)
        {
            case PaymentOutcome.Approved:
                done = refund with { Status = RefundStatus.Refunded, Reference = result.Reference, Failure = null, At = now };
                payment.Refunded += refund.Amount;
                payment.Status = payment.Refunded >= payment.Captured ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded;
                Record(now, "payment.refunded", actor, $"{refund.Amount:0.00} {currency} refunded ({refund.Reason}); {payment.Refunded:0.00} of {payment.Captured:0.00} refunded in all.");
                Notify(now, "refund_issued", $"A refund for order {Id}",
                    $"We refunded {refund.Amount:0.00} {currency} to your {payment.Method} for order {Id} ({refund.Reason}). It may take a few days to appear.");
                if (refund.Attempt > 0)
                {
                    CreditCause(done);
                }

                break;
            case PaymentOutcome.Declined:
                done = refund with { Status = RefundStatus.Failed, Failure = $"{result.Reason}: {result.Message}", At = now };
                Record(now, "payment.refund_failed", actor,
                    $"Refund {refund.Id} of {refund.Amount:0.00} {currency} ({refund.Reason}) declined by the gateway: {result.Reason}. It is not retried until ops retry it.");
                break;
            default:
                throw new DomainException(DomainErrorKind.Unavailable, "payment-unavailable", $"The payment gateway did not answer refund {refund.Id} ({result.Reason}); it is retried.");
        }

        var index = State.Refunds.FindIndex(r => r.Id == refund.Id);
        if (index < 0)
        {
            State.Refunds.Add(done);
        }
        else
        {
            State.Refunds[index] = done;
        }

        return done;
    }

    // A retried refund that went through is credited to the return or claim it settles.
    private void CreditCause(RefundView refund)
    {
        if (State.Returns.FirstOrDefault(r => r.Id == refund.Cause) is { } returned)
        {
            returned.Refunded += refund.Amount;
        }
        else if (State.Claims.FirstOrDefault(c => c.Id == refund.Cause) is { } claim)
        {
            claim.Refunded += refund.Amount;
        }
    }

    // Refunds written ahead or declined (held for a retry), but the one settling except.
    private decimal Reserved(string? except)
        => State.Refunds.Where(r => r.Status != RefundStatus.Refunded && (except is null || r.Cause != except)).Sum(r => r.Amount);

    private string NextRefundId() => $"{Id}-f{State.Refunds.Count + 1}";

    // The carrier's label for a return; throws (no address, no carrier) without changing anything.
    // A label from the customer's address to the receiving location's address; refused while the location has none.
    private async Task<ReturnLabel> ReturnLabelForAsync(ReturnRecord record)
    {
        var address = State.Request!.ShippingAddress
            ?? throw DomainException.Invalid("missing-address", $"Order '{Id}' has no address to send a return label to.");
        var location = await GrainFactory.GetGrain<ILocationGrain>(record.Location).GetAsync()
            ?? throw DomainException.Invalid("location-address-missing",
                $"Location '{record.Location}' has no address for the return label; set it with PUT /v1/locations/{record.Location}.");
        var units = record.Lines.Sum(l => l.Quantity);
        var parcel = new ParcelSpec(record.Location, address.Country, address.PostalCode, units);
        var (carrier, _) = carriers.Choose(parcel, int.MaxValue, returnOptions.Value.Carrier)
            ?? throw DomainException.Invalid("no-carrier", $"No carrier takes returns from {address.Country} {address.PostalCode} to {record.Location}.");
        var label = carrier.CreateLabel(record.Id, parcel,
            ShippingAddressLabel.From(location.Address, $"Returns {record.Id}"), ShippingAddressLabel.From(address, ""));
        return new ReturnLabel(label.Carrier, label.TrackingNumber, label.LabelFormat, label.LabelDocument);
    }

    private void AuthorizeReturn(ReturnRecord record, ReturnLabel label, DateTimeOffset now, Actor actor)
    {
        record.Status = ReturnStatus.Authorized;
        record.AuthorizedAt = now;
        record.Label = label;
        record.Instructions =
            $"Pack {Describe(record.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)))} with everything that came with it, stick the {label.Carrier} label " +
            $"(tracking {label.TrackingNumber}) on the parcel and hand it to {label.Carrier}. It goes back to our {record.Location} location; once it is inspected we " +
            (record.Resolution == ReturnResolution.Exchange ? "send your exchange." : "refund you.");
        Record(now, "return.authorized", actor, $"Return {record.Id} authorized; {label.Carrier} return label {label.TrackingNumber} to {record.Location}.");
        Notify(now, "return_authorized", $"Your return {record.Id} is authorized", record.Instructions);
    }

    // A lost parcel: returned to sender, or shipped and still not delivered well after the promised date.
    private async Task<ShipmentRecord> LostShipmentAsync(string? shipmentId, DateTimeOffset now)
    {
        var candidates = State.Shipments.Where(s => shipmentId is null ? ShipmentStateMachine.HasShipped(s.Status) && s.Status != ShipmentStatus.Delivered : s.Id == shipmentId).ToArray();
        if (candidates.Length != 1)
        {
            throw shipmentId is null
                ? DomainException.Invalid("validation-failed", $"Order '{Id}' has {candidates.Length} undelivered shipped parcels; name the lost one (shipmentId).")
                : DomainException.NotFound("shipment-not-found", $"Order '{Id}' has no shipment '{shipmentId}'.");
        }

        if (await SyncAsync(candidates[0].Id))
        {
            await SaveAsync();
        }

        var shipment = State.Shipments.Single(s => s.Id == candidates[0].Id);
        var overdue = State.PromisedBy.AddDays(returnOptions.Value.LostParcelDays);
        var lost = shipment.Status == ShipmentStatus.ReturnedToSender
            || (ShipmentStateMachine.HasShipped(shipment.Status) && shipment.Status != ShipmentStatus.Delivered && now > overdue);
        return lost ? shipment : throw DomainException.Conflict("parcel-not-lost",
            $"Shipment {shipment.Id} is {ShipmentStateMachine.Format(shipment.Status)}: a parcel can be claimed lost once it is returned to sender, or if it is not delivered by {overdue:yyyy-MM-dd}.");
    }

    private PlaceOrder ReplacementOrder(ReplacementPlan plan, string cause)
    {
        var original = State.Request!;
        return new PlaceOrder(original.Customer, original.Channel, original.Priority, original.Currency, plan.Lines, original.ShippingAddress, original.Payment,
            System, new ReplacementTerms(Id, cause, plan.Credit));
    }

    private string NextReplacementId() => $"{Id}-x{++State.ReplacementSequence}";

    private static OrderLineRequest[] ExchangeLines(IEnumerable<ExchangeLine> exchange) => exchange.Select(e => new OrderLineRequest(e.Sku, e.Quantity, e.UnitPrice, PriceOverride: true)).ToArray();

    private static void ValidateExchange(IReadOnlyList<ExchangeLine> exchange)
    {
        if (exchange.Count == 0 || exchange.Any(e => string.IsNullOrWhiteSpace(e.Sku) || e.Quantity <= 0 || e.UnitPrice < 0))
        {
            throw DomainException.Invalid("validation-failed", "An exchange needs replacement lines, each with a SKU, a positive quantity and a unit price of zero or more.");
        }
    }

    // Merges lines per SKU and checks each is a positive quantity of a SKU of this order.
    private SkuQuantity[] Units(IEnumerable<SkuQuantity> lines)
    {
        var units = lines.GroupBy(l => l.Sku, StringComparer.Ordinal).Select(g => new SkuQuantity(g.Key, g.Sum(l => l.Quantity))).ToArray();
        if (units.Length == 0)
        {
            throw DomainException.Invalid("validation-failed", "At least one line is needed.");
        }

        foreach (var unit in units)
        {
            if (!State.Lines.Any(l => l.Sku == unit.Sku))
            {
                throw DomainException.Invalid("validation-failed", $"Order '{Id}' has no line for SKU '{unit.Sku}'.");
            }

            if (unit.Quantity <= 0)
            {
                throw DomainException.Invalid("validation-failed", $"SKU '{unit.Sku}' has quantity {unit.Quantity}; it must be positive.");
            }
        }

        return units;
    }

    private void EnsureDelivered(string action)
    {
        if (!State.Shipments.Any(s => s.Status == ShipmentStatus.Delivered))
        {
            throw DomainException.InvalidTransition($"order '{Id}'", action, DescribeState(), AllowedActions());
        }
    }

    // Units of a SKU already spoken for: in returns (open ones too, so two returns cannot together exceed), claims,
    // and refunds of their own. The basis of shipped units (refunds) counts them all.
    private int Committed(string sku)
        => ReturnedUnits(sku) + State.Claims.SelectMany(c => c.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity) + RefundedUnits(sku);

    // Against delivered units (returns, claims of damaged or missing units): everything but claims on parcels that
    // were never delivered, which are counted against their own parcel.
    private int CommittedAgainstDelivered(string sku)
        => ReturnedUnits(sku) + RefundedUnits(sku)
            + State.Claims.Where(c => c.ShipmentId is null || DeliveredShipments.Any(s => s.Id == c.ShipmentId)).SelectMany(c => c.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    // Against one lost parcel: the claims on it, and (conservatively, they name no parcel) unit refunds.
    private int CommittedAgainst(string shipmentId, string sku)
        => RefundedUnits(sku) + State.Claims.Where(c => c.ShipmentId == shipmentId).SelectMany(c => c.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private int ReturnedUnits(string sku)
        => State.Returns.Where(r => r.Status != ReturnStatus.Rejected).SelectMany(r => r.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private int RefundedUnits(string sku)
        => State.Refunds.Where(r => r.Cause is null).SelectMany(r => r.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private void EnsureUncommitted(SkuQuantity line, int basis, int committed, string code, string verb, string basisName)
    {
        if (line.Quantity > basis - committed)
        {
            throw DomainException.Conflict(code,
                $"Cannot {verb} {line.Quantity} unit(s) of '{line.Sku}': {basis} {basisName}, {committed} already in returns, claims or refunds, so {Math.Max(0, basis - committed)} left.");
        }
    }

    private void EnsureRefundable(decimal amount)
    {
        var payment = State.Payment;
        if (payment.Status is not (PaymentStatus.Captured or PaymentStatus.PartiallyRefunded or PaymentStatus.Refunded) || payment.Capture is null)
        {
            throw DomainException.Conflict("nothing-captured", $"Order '{Id}' has no captured payment to refund (payment is {ReportName(payment.Status)}).");
        }

        // Refunds still to be made count too (settlements due, refunds pending or declined and held for a retry), so a
        // refund of its own cannot use up the capture they need.
        var held = Reserved(null) + State.PendingSettlements.Sum(s => s.Refund);
        if (payment.Refunded + held + amount > payment.Captured)
        {
            throw DomainException.Conflict("refund-exceeds-captured",
                $"Refunding {amount:0.00} {State.Request!.Currency} would bring refunds to {payment.Refunded + held + amount:0.00}, more than the {payment.Captured:0.00} captured " +
                $"({payment.Refunded:0.00} refunded so far, {held:0.00} due or held for a retry).");
        }
    }

    private IEnumerable<ShipmentRecord> DeliveredShipments => State.Shipments.Where(s => s.Status == ShipmentStatus.Delivered);

    private int Delivered(string sku) => DeliveredShipments.SelectMany(s => s.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private int Shipped(string sku) => State.Shipments.Where(s => ShipmentStateMachine.HasShipped(s.Status)).SelectMany(s => s.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    // Shipments delivered before their delivery time was kept count from the placement: the window is never longer.
    private DateTimeOffset? LastDelivery(string sku)
    {
        var deliveries = DeliveredShipments.Where(s => s.Lines.Any(l => l.Sku == sku)).Select(s => s.DeliveredAt ?? State.PlacedAt).ToArray();
        return deliveries.Length == 0 ? null : deliveries.Max();
    }

    private string ReturnLocation(string sku) => DeliveredShipments.First(s => s.Lines.Any(l => l.Sku == sku)).Location;

    // The units a return, claim or refund takes: per SKU, the cheapest units of the order's lines not yet taken (nor
    // cancelled), so a SKU sold at two prices gives back at most what was paid for the units the customer keeps.
    private List<LineTake> TakeUnits(IEnumerable<SkuQuantity> units)
    {
        var takes = new List<LineTake>();
        foreach (var unit in units)
        {
            var lines = State.Lines.Select((line, index) => (Line: line, Index: index)).Where(l => l.Line.Sku == unit.Sku)
                .OrderBy(l => l.Line.PaidPerUnit).ThenBy(l => l.Index).ToArray();
            var left = unit.Quantity;
            foreach (var (line, index) in lines)
            {
                var take = Math.Min(left, line.Quantity - CancelledUnits(line) - line.Committed);
                if (take > 0)
                {
                    takes.Add(new LineTake(index, line.Sku, take, line.UnitPrice, line.PaidPerUnit));
                    left -= take;
                }
            }

            if (left > 0) // only if the units were checked against another basis: valued at the cheapest price
            {
                takes.Add(new LineTake(lines[0].Index, unit.Sku, left, lines[0].Line.UnitPrice, lines[0].Line.PaidPerUnit));
            }
        }

        return takes;
    }

    private void Commit(IEnumerable<LineTake> takes, int sign)
    {
        foreach (var take in takes)
        {
            var line = State.Lines[take.Line];
            State.Lines[take.Line] = line with { Committed = Math.Max(0, line.Committed + sign * take.Quantity) };
        }
    }

    // The value of units of a SKU among those taken: the cheapest first.
    private decimal ValueOf(IEnumerable<LineTake> takes, string sku, int quantity)
    {
        var value = 0m;
        foreach (var take in takes.Where(t => t.Sku == sku).OrderBy(t => t.Worth / t.Quantity))
        {
            var units = Math.Min(quantity, take.Quantity);
            value += (take with { Quantity = units }).Worth;
            quantity -= units;
        }

        return Money(value);
    }

    // An amount in the order's currency, rounded to its minor unit (half away from zero).
    private decimal Money(decimal amount) => Pricing.OrderTotals.Round(amount, IsoCodes.MinorUnits(State.Request!.Currency));

    private ReturnRecord FindReturn(string returnId)
        => State.Returns.FirstOrDefault(r => r.Id == returnId) ?? throw DomainException.NotFound("return-not-found", $"Order '{Id}' has no return '{returnId}'.");

    // An Idempotency-Key is scoped by kind and client; the same key with another request is refused.
    private string? Replay(string? key, Actor actor, string kind, object request)
    {
        if (key is null || !State.Requests.TryGetValue(RequestFingerprint.KeyOf(key, actor, kind), out var known))
        {
            return null;
        }

        return known.Fingerprint == RequestFingerprint.Of(request)
            ? known.ResultId
            : throw DomainException.Conflict("idempotency-key-reused", $"The Idempotency-Key '{key}' was used for another {kind} request; use a new key.");
    }

    private void Remember(string? key, Actor actor, string kind, object request, string resultId)
    {
        if (key is not null)
        {
            State.Requests[RequestFingerprint.KeyOf(key, actor, kind)] = new IdempotentRequest(RequestFingerprint.Of(request), resultId);
        }
    }

    private static string Describe(IEnumerable<SkuQuantity> units) => string.Join(", ", units.Select(u => $"{u.Quantity} × {u.Sku}"));

    private static string ReportName<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static IReadOnlyList<string> ReturnActions(ReturnRecord record) => record.Status switch
    {
        ReturnStatus.Requested => ["authorize", "reject"],
        ReturnStatus.Authorized => ["receive"],
        _ => [],
    };

    private static IReadOnlyList<string> ClaimActions(ClaimRecord claim) => claim.Status == ClaimStatus.Open ? ["resolve"] : [];

    private ReturnView ReturnView(ReturnRecord r) => new(
        r.Id, Id, r.Status, r.Resolution, [.. r.Lines], [.. r.Exchange], r.Comment, r.Value, r.Location, r.Instructions, r.Label, [.. r.Inspection],
        r.Refunded, r.ReplacementOrderId, r.Note, r.RequestedAt, r.AuthorizedAt, r.ReceivedAt, r.CompletedAt, ReturnActions(r));

    private ClaimView ClaimView(ClaimRecord c) => new(
        c.Id, Id, c.Type, c.Status, c.ShipmentId, [.. c.Lines], c.Description, c.Value, c.Resolution, c.Refunded, c.ReplacementOrderId, c.Note,
        c.OpenedAt, c.ResolvedAt, ClaimActions(c));

    private OrderAftercare Aftercare()
    {
        var returns = State.Returns.Where(r => r.Status != ReturnStatus.Rejected).ToArray();
        return new OrderAftercare(returns.Length, returns.Sum(r => r.Lines.Sum(l => l.Quantity)), State.Feedback?.Rating, State.Request?.Replacement?.OriginalOrderId,
            State.Tickets.Select(t => new TicketSummary(t.Id, t.Subject, t.Status, t.Priority, t.AssignedTo, t.OpenedAt, t.Messages[^1].At, t.Messages.Count)).ToArray());
    }
}
