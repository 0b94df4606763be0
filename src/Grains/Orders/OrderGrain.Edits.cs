using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Payments;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Orders;

/// <summary>
/// Order edits before fulfilment, as versioned change sets: preview against a version, confirm against the same one.
/// </summary>
/// <remarks>
/// An order is editable while it is confirmed, paid by an authorization only, and every shipment still waits to be
/// picked. Shipment steps go through this grain, one turn at a time, so an edit and a pick never interleave: whichever
/// comes first wins, and the other sees its result (a picked shipment makes the order not editable; an edited order's
/// shipment is picked with the new units).
/// <para>
/// Confirming is written ahead (<see cref="OrderState.PendingEdit"/>) and goes through stages, each written before the
/// next begins. Reservations that grow are resized first (all or nothing; undoing a growth, a shrink, never fails) and
/// the edited order is priced; a refusal here (stock, shipping, a total other than the one shown) undoes the growth.
/// The price is written: a recovery never prices again, so a tax or tariff change meanwhile cannot turn an accepted
/// edit into another. A higher total is then authorized under the edit's own gateway key; a decline undoes the
/// growth. The approval is written: the point of no return. From there the edit only goes forward: reservations
/// shrink, shipments are re-planned, created or cancelled, the old authorization is voided and the order is written,
/// every step naming its result, so a crash anywhere is finished by applying the same edit again before the order's
/// next request.
/// </para>
/// </remarks>
public sealed partial class OrderGrain
{
    private int Version => State.Timeline.Count;

    private bool CanEdit => State.Status == OrderStatus.Confirmed && State.PendingCancel is null && State.PendingEdit is null
        && State.Shipments.Count > 0 && State.Shipments.All(s => s.Status == ShipmentStatus.ReadyToPick)
        && State.Payment.Status == PaymentStatus.Authorized && State.Request?.Replacement is null
        && State.PendingAllocation is null && State.Shipments.All(s => s.Reservation is null)
        && State.Lines.All(l => l.Backordered == 0 && l.Allocated is not { Count: > 0 }); // backordered units are not edited (yet)

    public async Task<OrderEditResult> EditAsync(EditOrder command)
    {
        await SettleAsync();
        EnsureVisible();
        var fingerprint = RequestFingerprint.Of(command with { Actor = new Actor("", ""), Preview = false });
        if (!command.Preview && command.Version is { } asked && State.Edits.FirstOrDefault(e => e.FromVersion == asked && e.Fingerprint == fingerprint) is { } done)
        {
            return new OrderEditResult(EditOutcome.Edited, CurrentEdit(done.PreviousTotal), View(), []); // a retry of an edit that was made
        }

        await EnsureEditableAsync();
        if (command.Version is { } version && version != Version)
        {
            throw DomainException.Conflict("order-changed", $"Order '{Id}' changed since version {version} (it is at version {Version}); preview the edit again.");
        }

        ValidateEdit(command);
        var (pending, refusal) = await PlanEditAsync(command, fingerprint);
        if (refusal is not null)
        {
            return refusal;
        }

        if (command.Preview)
        {
            return await PreviewAsync(pending!);
        }

        if (pending!.Lines.SequenceEqual(State.Request!.Lines) && pending.ShippingAddress == State.Request.ShippingAddress)
        {
            return new OrderEditResult(EditOutcome.Edited, CurrentEdit(State.Charges?.Total ?? Subtotal(State.Request)), View(), []); // nothing to change
        }

        State.PendingEdit = pending;
        await SaveAsync();
        try
        {
            return await ApplyEditAsync(pending);
        }
        catch (Exception ex) when (ex is not DomainException && IsSettlementFault(ex))
        {
            // Written ahead: the same edit is finished (or undone) before the order's next request.
            logger.LogWarning(ex, "Edit {Edit} of order {OrderId} did not finish; it is finished before the order's next request.", pending.Number, Id);
            throw new DomainException(DomainErrorKind.Unavailable, "edit-unfinished",
                $"The edit of order '{Id}' was recorded but did not finish; it is finished before the order's next request. Read the order to see it.");
        }
    }

    private async Task EnsureEditableAsync()
    {
        var synced = false;
        foreach (var shipment in State.Shipments.Where(s => s.Status == ShipmentStatus.ReadyToPick).ToArray())
        {
            synced |= await SyncAsync(shipment.Id); // a shipment that moved on without the order knowing makes it not editable
        }

        if (synced)
        {
            await SaveAsync();
        }

        if (!CanEdit)
        {
            var why = State.Status != OrderStatus.Confirmed ? $"it is {DescribeState()}"
                : State.Request?.Replacement is not null ? "it replaces units of another order"
                : State.Payment.Status != PaymentStatus.Authorized ? $"its payment is {JsonNamingPolicy.SnakeCaseLower.ConvertName(State.Payment.Status.ToString())}"
                : State.Lines.Any(l => l.Backordered > 0 || l.Allocated is { Count: > 0 }) || State.Shipments.Any(s => s.Reservation is not null) ? "it has backordered units"
                : "fulfilment has started";
            throw DomainException.Conflict("order-not-editable", $"Order '{Id}' cannot be edited: {why}. Only orders none of whose shipments has been picked can be.");
        }
    }

    private static void ValidateEdit(EditOrder command)
    {
        if (command.Lines is null && command.ShippingAddress is null)
        {
            throw DomainException.Invalid("validation-failed", "An edit changes the lines, the shipping address or both.");
        }

        if (command.Lines is { Count: 0 })
        {
            throw DomainException.InvalidField("lines", "An order keeps at least one line; cancel it instead.");
        }

        if (command.Lines is { Count: > DomainLimits.MaxOrderLines })
        {
            throw DomainException.InvalidField("lines", $"An order has at most {DomainLimits.MaxOrderLines} lines.");
        }

        foreach (var line in command.Lines ?? [])
        {
            if (string.IsNullOrWhiteSpace(line.Sku) || line.Quantity is <= 0 or > DomainLimits.MaxLineQuantity)
            {
                throw DomainException.InvalidField("lines", $"Line '{line.Sku}' needs a SKU and a quantity from 1 to {DomainLimits.MaxLineQuantity}.");
            }
        }

        if (command.Lines?.GroupBy(l => l.Sku, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw DomainException.InvalidField("lines", $"SKU '{twice.Key}' is listed twice; give each SKU once with its new quantity.");
        }

        if (command.ExpectedTotal < 0)
        {
            throw DomainException.InvalidField("expectedTotal", "must not be negative.");
        }
    }

    // The order's lines after the edit, priced: a SKU it has keeps its lines at the prices it was bought at; a new SKU is
    // priced from the catalog now.
    private async Task<(PendingEdit? Pending, OrderEditResult? Refusal)> PlanEditAsync(EditOrder command, string fingerprint)
    {
        var request = State.Request!;
        var before = State.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal);
        var wanted = command.Lines?.ToDictionary(l => l.Sku, l => l.Quantity, StringComparer.Ordinal) ?? before;
        var lines = new List<OrderLineRequest>();
        var taxClasses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var sku in before.Keys.Where(wanted.ContainsKey))
        {
            lines.AddRange(Resized(request.Lines.Where(l => l.Sku == sku).ToArray(), wanted[sku]));
            taxClasses[sku] = State.Lines.First(l => l.Sku == sku).TaxClass;
        }

        var added = command.Lines?.Where(l => !before.ContainsKey(l.Sku)).ToArray() ?? [];
        if (added.Length > 0)
        {
            var catalog = await PricingLookups.ProductsAsync(GrainFactory, added.Select(l => l.Sku));
            var unknown = added.Where(l => catalog[l.Sku] is null).Select(l => l.Sku).ToArray();
            if (unknown.Length > 0)
            {
                return (null, new OrderEditResult(EditOutcome.UnknownSku, null, null, [], Skus: unknown,
                    Detail: $"These SKUs are not in the catalog: {string.Join(", ", unknown)}."));
            }

            var unpriced = added.Where(l => catalog[l.Sku]!.PriceIn(request.Currency) is null).Select(l => l.Sku).ToArray();
            if (unpriced.Length > 0)
            {
                return (null, new OrderEditResult(EditOutcome.Unpriced, null, null, [], Skus: unpriced,
                    Detail: $"These SKUs have no catalog price in {request.Currency} (archived, or not priced in it): {string.Join(", ", unpriced)}."));
            }

            foreach (var line in added)
            {
                lines.Add(new OrderLineRequest(line.Sku, line.Quantity, catalog[line.Sku]!.PriceIn(request.Currency)));
                taxClasses[line.Sku] = catalog[line.Sku]!.TaxClass;
            }
        }

        var discount = await EditDiscountAsync(lines.Sum(l => l.Quantity * l.Price));
        return (new PendingEdit(State.Edits.Count + 1, Version, fingerprint, lines, taxClasses, before, command.ShippingAddress ?? request.ShippingAddress,
            discount, command.ExpectedTotal, string.IsNullOrWhiteSpace(command.Reason) ? "requested" : command.Reason.Trim(), command.Actor, command.Payment), null);
    }

    // A SKU's lines holding a new quantity, each at the price it was bought at: units added go to the last line, units
    // removed come off the last lines first.
    private static IEnumerable<OrderLineRequest> Resized(IReadOnlyList<OrderLineRequest> lines, int quantity)
    {
        var left = quantity;
        for (var i = 0; i < lines.Count && left > 0; i++)
        {
            var units = i == lines.Count - 1 ? left : Math.Min(lines[i].Quantity, left);
            left -= units;
            yield return units == lines[i].Quantity ? lines[i] : lines[i] with { Quantity = units };
        }
    }

    // The order's code applied to the new subtotal by its terms as they are now, outside its dates and limits (its use
    // was taken when the order was placed); nothing below its minimum. A code since deleted, or a fixed amount since
    // moved to another currency, keeps what it took, at most the new subtotal.
    private async Task<decimal> EditDiscountAsync(decimal subtotal)
    {
        if (State.Charges?.DiscountCode is not { } code)
        {
            return 0;
        }

        var terms = await GrainFactory.GetGrain<IDiscountGrain>(code).GetAsync();
        if (terms is null || terms.Kind == DiscountKind.Fixed && terms.Currency != State.Request!.Currency)
        {
            return Math.Min(State.Charges.Discount, subtotal);
        }

        return terms.MinimumSubtotal is { } minimum && subtotal < minimum ? 0
            : terms.Kind == DiscountKind.Percentage ? OrderTotals.Percent(subtotal, terms.Value, IsoCodes.MinorUnits(State.Request!.Currency))
            : Math.Min(terms.Value, subtotal);
    }

    // What confirming would do, from the levels as they are: the same growth and shrink rules the inventory applies.
    private async Task<OrderEditResult> PreviewAsync(PendingEdit pending)
    {
        var changes = pending.Changes();
        var levels = (await Task.WhenAll(changes.Select(c => GrainFactory.GetGrain<IInventoryGrain>(c.Sku).GetAsync()))).Zip(changes);
        var allocations = HeldAllocations();
        var shortages = new List<Shortage>();
        foreach (var (level, (sku, from, to)) in levels)
        {
            var held = allocations.GetValueOrDefault(sku) ?? [];
            if (to > from && (level is null || level.Available < to - from))
            {
                shortages.Add(await ShortageAsync(sku, to - from, level));
            }
            else if (to > from)
            {
                allocations[sku] = StockLedger.Grow(held, to - from, level!.Locations.Select(l => (l.Location, l.Available)), options.Value.AllocationStrategy);
            }
            else
            {
                allocations[sku] = StockLedger.Shrink(held, from - to, level?.Locations.Select(l => l.Location) ?? []);
            }
        }

        if (shortages.Count > 0)
        {
            return new OrderEditResult(EditOutcome.OutOfStock, null, null, shortages);
        }

        var (preview, refusal) = await PriceEditAsync(pending, allocations);
        return refusal ?? new OrderEditResult(EditOutcome.Previewed, preview!.Edit, null, []);
    }

    // Finishes an edit written ahead, from the stage it reached: reserved and priced (undone on a refusal), authorized
    // (undone on a decline), then only forward.
    private async Task<OrderEditResult> ApplyEditAsync(PendingEdit pending)
    {
        if (pending.Priced is null)
        {
            var (priced, refusal) = await ReserveAndPriceEditAsync(pending);
            if (refusal is not null)
            {
                return await UndoEditAsync(pending, refusal);
            }

            State.PendingEdit = pending = pending with { Priced = priced };
            await SaveAsync(); // never priced again: a recovery pays and ships what the buyer accepted
        }

        if (pending.Priced!.Authorize is { } amount && pending.Authorization is null)
        {
            // More to pay: the new total is authorized under the edit's key (a repeat gets the same answer) before
            // anything is given back.
            var method = pending.Payment ?? State.Request!.Payment;
            // The amount is in the key: an edit undone and asked again at another price is another authorization.
            var key = FormattableString.Invariant($"edit{pending.Number}-{pending.Fingerprint[..12]}-{amount:0.########}");
            var authorization = await payments.AuthorizeAsync(Id, key, method?.Method ?? State.Payment.Method,
                method?.Token, amount, State.Request!.Currency);
            if (authorization.Outcome != PaymentOutcome.Approved)
            {
                // A decline, or no answer (an outage, even on a recovery after an approval whose write was lost): refused
                // and undone as a placement is. A hold the gateway may have made lapses unused; it is never captured, and
                // no later edit meets it (its key names the amount).
                var problem = new PaymentProblem(authorization.Reason ?? "declined", authorization.Message ?? "The payment was declined.");
                return await UndoEditAsync(pending, new OrderEditResult(
                    authorization.Outcome == PaymentOutcome.Declined ? EditOutcome.PaymentDeclined : EditOutcome.PaymentUnavailable, pending.Priced.Edit, null, [], problem));
            }

            State.PendingEdit = pending = pending with { Authorization = authorization.Reference };
            await SaveAsync(); // the point of no return
        }

        return await CompleteEditAsync(pending);
    }

    // Grows the reservations, then prices the edited order from where its units will ship; a refusal names why.
    private async Task<(PricedEdit? Priced, OrderEditResult? Refusal)> ReserveAndPriceEditAsync(PendingEdit pending)
    {
        var changes = pending.Changes();
        var grow = changes.Where(c => c.To > c.From).ToArray();
        var grown = await Task.WhenAll(grow.Select(c => ResizeAsync(c.Sku, c.To)));
        if (grown.Any(r => r.Outcome != ReservationOutcome.Reserved))
        {
            var shortages = new List<Shortage>();
            foreach (var (sku, from, to) in grow.Where((_, i) => grown[i].Outcome != ReservationOutcome.Reserved))
            {
                shortages.Add(await ShortageAsync(sku, to - from, await GrainFactory.GetGrain<IInventoryGrain>(sku).GetAsync()));
            }

            return (null, new OrderEditResult(EditOutcome.OutOfStock, null, null, shortages));
        }

        // Where the units ship from: grown SKUs as the inventory placed them, shrunk ones as it will (the same rule, on the
        // same held units, over the SKU's locations in priority order).
        var allocations = HeldAllocations();
        foreach (var result in grown)
        {
            allocations[result.Sku] = result.Allocations;
        }

        var shrink = changes.Where(c => c.To < c.From).ToArray();
        var levels = await Task.WhenAll(shrink.Select(c => GrainFactory.GetGrain<IInventoryGrain>(c.Sku).GetAsync()));
        foreach (var ((sku, from, to), level) in shrink.Zip(levels))
        {
            allocations[sku] = StockLedger.Shrink(allocations.GetValueOrDefault(sku) ?? [], from - to, level?.Locations.Select(l => l.Location) ?? []);
        }

        var (priced, refusal) = await PriceEditAsync(pending, allocations);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        if (pending.ExpectedTotal is { } expected && expected != priced!.Charges.Total)
        {
            return (null, new OrderEditResult(EditOutcome.TotalChanged, priced.Edit, null, [],
                Detail: $"The edited order would total {priced.Charges.Total:0.00} {State.Request!.Currency}, not {expected:0.00}; preview it again."));
        }

        return (priced, null);
    }

    // Past the point of no return: gives back what the edit removed, re-plans the shipments, voids the old authorization
    // and writes the order. Every step names its result, so a repeat after a crash reaches the same one.
    private async Task<OrderEditResult> CompleteEditAsync(PendingEdit pending)
    {
        var priced = pending.Priced!;
        var allocations = priced.Allocations.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var changes = pending.Changes();
        foreach (var result in await Task.WhenAll(changes.Select(c => ResizeToPricedAsync(c.Sku, c.To, allocations.GetValueOrDefault(c.Sku) ?? []))))
        {
            if (allocations.ContainsKey(result.Sku))
            {
                allocations[result.Sku] = result.Allocations;
            }
        }

        var payment = State.Payment;
        var currency = State.Request!.Currency;
        var lines = EditedLines(pending, allocations, priced.Totals);
        var shipments = PlanShipments(lines, priced.Charges, priced.ShippingByLocation, currency);
        await ReplanShipmentsAsync(pending, shipments);
        if (pending.Authorization is not null && payment.Authorized > 0)
        {
            try
            {
                await EnsureApprovedAsync(await payments.VoidAsync(Id, payment.Authorization!, $"edit{pending.Number}"), "void");
            }
            catch (DomainException ex)
            {
                // The customer is not charged twice: only the new authorization is ever captured, and the old one lapses.
                logger.LogWarning(ex, "Voiding the authorization order {OrderId} held before edit {Edit} failed; it lapses unused.", Id, pending.Number);
            }
        }

        var now = timeProvider.GetUtcNow();
        var previousTotal = State.Charges?.Total ?? Subtotal(State.Request);
        var due = payment.Authorized - payment.CancelledValue;
        var total = priced.Charges.Total;
        var describe = DescribeEdit(pending);
        State.Lines = lines;
        State.Request = State.Request with
        {
            Lines = pending.Lines, ShippingAddress = pending.ShippingAddress,
            Payment = pending.Authorization is null ? State.Request.Payment : pending.Payment ?? State.Request.Payment,
        };
        State.Charges = priced.Charges;
        State.Shipments = shipments;
        State.ShipmentsCreated = true;
        string money;
        if (pending.Authorization is not null)
        {
            payment.Authorized = priced.Authorize!.Value;
            payment.Method = State.Request.Payment?.Method ?? payment.Method;
            payment.Authorization = pending.Authorization;
            payment.CancelledValue = 0;
            money = $"{payment.Authorized:0.00} {currency} authorized, the earlier authorization of {due:0.00} voided";
        }
        else if (total < due)
        {
            payment.CancelledValue += due - total;
            money = $"{due - total:0.00} {currency} less will be charged";
        }
        else
        {
            money = "the payment is unchanged";
        }

        Record(now, "order.edited", pending.Actor, $"Edited ({pending.Reason}): {describe}; total {previousTotal:0.00} → {total:0.00} {currency}; {money}.");
        Notify(now, "order_updated", $"Your order {Id} was changed",
            $"Your order {Id} now has {string.Join("; ", lines.Select(l => $"{l.Quantity} × {l.Sku} at {l.UnitPrice:0.00}"))}, total {total:0.00} {currency}; {money}. " +
            $"It ships to {pending.ShippingAddress?.City}, {pending.ShippingAddress?.Country}.");
        State.Edits.Add(new EditRecord(pending.Number, pending.FromVersion, pending.Fingerprint, now, previousTotal, total));
        State.PendingEdit = null;
        await SaveAsync();
        return new OrderEditResult(EditOutcome.Edited, priced.Edit with { Version = Version }, View(), []);
    }

    // A refusal before the point of no return: growth given back to exactly the allocations the order's lines still name
    // (the units were held there a moment ago, so that never fails), the write-ahead cleared.
    private async Task<OrderEditResult> UndoEditAsync(PendingEdit pending, OrderEditResult refusal)
    {
        var held = HeldAllocations(); // the order's lines are not changed yet: where the units were before
        await Task.WhenAll(pending.Changes().Where(c => c.To > c.From)
            .Select(c => GrainFactory.GetGrain<IInventoryGrain>(c.Sku).ResizeAsync(new ResizeReservation(Id, c.From, held.GetValueOrDefault(c.Sku) ?? []))));
        State.PendingEdit = null;
        await SaveAsync();
        return refusal;
    }

    // Resumes an edit a crash interrupted (SettleAsync): the same edit applied again reaches the same result.
    private async Task FinishEditAsync(PendingEdit pending)
    {
        var result = await ApplyEditAsync(pending);
        if (result.Outcome != EditOutcome.Edited)
        {
            logger.LogInformation("Edit {Edit} of order {OrderId}, interrupted, was undone: {Outcome}.", pending.Number, Id, result.Outcome);
        }
    }

    private Task<ReservationResult> ResizeAsync(string sku, int quantity)
        => GrainFactory.GetGrain<IInventoryGrain>(sku).ResizeAsync(new ResizeReservation(Id, quantity));

    // Past the point of no return: a grown SKU is held already (the same units come back); a shrunk one keeps exactly the
    // units it was priced with (a subset of what it holds, so this never refuses; if it did, the inventory's own choice).
    private async Task<ReservationResult> ResizeToPricedAsync(string sku, int quantity, IReadOnlyList<LocationAllocation> priced)
    {
        var inventory = GrainFactory.GetGrain<IInventoryGrain>(sku);
        var result = await inventory.ResizeAsync(new ResizeReservation(Id, quantity, priced));
        return result.Outcome == ReservationOutcome.Reserved ? result : await inventory.ResizeAsync(new ResizeReservation(Id, quantity));
    }

    // Each shipment that keeps units gets its new units and address; one with none left is cancelled (its record dropped
    // from the order: nothing of the order ships from there); a new location gets a new shipment, under an id of this
    // edit, so it never meets a shipment cancelled by an earlier one.
    private async Task ReplanShipmentsAsync(PendingEdit pending, List<ShipmentRecord> planned)
    {
        var request = State.Request!;
        for (var i = 0; i < planned.Count; i++)
        {
            var existing = State.Shipments.FirstOrDefault(s => s.Location == planned[i].Location && s.Status == ShipmentStatus.ReadyToPick);
            planned[i] = planned[i] with { Id = existing?.Id ?? ShipmentId(Id, $"{planned[i].Location}\nedit {pending.Number}") };
        }

        var kept = planned.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        await Task.WhenAll(State.Shipments.Where(s => s.Status == ShipmentStatus.ReadyToPick && !kept.Contains(s.Id))
            .Select(s => GrainFactory.GetGrain<IShipmentGrain>(s.Id).CancelAsync($"order edited ({pending.Reason}), no units left here", pending.Actor)));
        await Task.WhenAll(planned.Select(s => State.Shipments.Any(o => o.Id == s.Id)
            ? GrainFactory.GetGrain<IShipmentGrain>(s.Id).ReplanAsync(new ReplanShipment(s.Lines, pending.ShippingAddress, $"order edited: {pending.Reason}", pending.Actor))
            : GrainFactory.GetGrain<IShipmentGrain>(s.Id).CreateAsync(new CreateShipment(Id, s.Location, request.Priority, s.Lines, pending.ShippingAddress,
                State.PlacedAt, State.PromisedBy, request.ShippingMethod))));
    }

    // Units per SKU where the order holds them now.
    private Dictionary<string, IReadOnlyList<LocationAllocation>> HeldAllocations()
        => State.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<LocationAllocation>)g.SelectMany(l => l.Allocations).GroupBy(a => a.Location, StringComparer.Ordinal)
                .Select(a => new LocationAllocation(a.Key, a.Sum(x => x.Quantity))).ToArray(),
            StringComparer.Ordinal);

    // The edited order's charges, from where its units ship: the same rules as placement's.
    private async Task<(PricedEdit? Priced, OrderEditResult? Refusal)> PriceEditAsync(PendingEdit pending, Dictionary<string, IReadOnlyList<LocationAllocation>> allocations)
    {
        var request = State.Request! with { Lines = pending.Lines, ShippingAddress = pending.ShippingAddress };
        var after = pending.After();
        var held = allocations.Where(a => after.ContainsKey(a.Key)).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var (totals, charges, shippingByLocation, unavailable) = await ChargesAsync(request, sku => pending.TaxClasses[sku], held.Values.SelectMany(a => a), pending.Discount);
        if (unavailable is not null)
        {
            return (null, new OrderEditResult(EditOutcome.ShippingUnavailable, null, null, [], Detail: unavailable.Detail));
        }

        var previousTotal = State.Charges?.Total ?? Subtotal(State.Request!);
        var due = State.Payment.Authorized - State.Payment.CancelledValue;
        var lines = EditedLines(pending, held, totals!);
        var edit = new OrderEditPreview(Version,
            lines.Select(LineView).ToArray(),
            pending.ShippingAddress, Subtotal(request), charges!.Discount, charges.Shipping, charges.Tax, charges.Total, previousTotal, charges.Total - previousTotal,
            charges.Total > due ? "authorize" : charges.Total < due ? "reduce" : "none");
        return (new PricedEdit(edit, totals!, charges, shippingByLocation!, held, charges.Total > due ? charges.Total : null), null);
    }

    // The edit's lines with their units split over the SKU's allocations in line order, and their shares of the totals.
    private static List<OrderLine> EditedLines(PendingEdit pending, Dictionary<string, IReadOnlyList<LocationAllocation>> allocations, Totals totals)
    {
        var pools = allocations.ToDictionary(a => a.Key, a => a.Value.ToList(), StringComparer.Ordinal);
        return pending.Lines.Select((line, i) => new OrderLine(line.Sku, line.Quantity, line.Price, Take(pools[line.Sku], line.Quantity), 0,
            pending.TaxClasses[line.Sku], totals.Lines[i].Discount, totals.Lines[i].Tax, totals.Lines[i].Paid)).ToList();
    }

    private async Task<Shortage> ShortageAsync(string sku, int more, InventoryView? level)
    {
        var substitutes = await Task.WhenAll((level?.Substitutes ?? []).Select(s => GrainFactory.GetGrain<IInventoryGrain>(s).GetAsync()));
        return new Shortage(sku, more, level?.Available ?? 0, substitutes.Where(s => s is { Available: > 0 }).Select(s => new Alternative(s!.Sku, s.Available)).ToArray());
    }

    private OrderEditPreview CurrentEdit(decimal previousTotal)
    {
        var total = State.Charges?.Total ?? Subtotal(State.Request!);
        return new OrderEditPreview(Version,
            State.Lines.Select(LineView).ToArray(),
            State.Request!.ShippingAddress, Subtotal(State.Request), State.Charges?.Discount ?? 0, State.Charges?.Shipping ?? 0, State.Charges?.Tax ?? 0, total,
            previousTotal, total - previousTotal, "none");
    }

    private string DescribeEdit(PendingEdit pending)
    {
        var changes = pending.Changes()
            .Select(c => c.From == 0 ? $"added {c.To} × {c.Sku}" : c.To == 0 ? $"removed {c.Sku}" : $"{c.Sku} {c.From} → {c.To}")
            .ToList();
        if (pending.ShippingAddress != State.Request!.ShippingAddress)
        {
            changes.Add($"ships to {pending.ShippingAddress?.City}, {pending.ShippingAddress?.Country} now");
        }

        return changes.Count > 0 ? string.Join(", ", changes) : "no change";
    }
}
