using Microsoft.Extensions.Options;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// The stock of one SKU. Turn-based execution makes every reservation see the result of the previous one, so
/// available stock can never go below zero.
/// </summary>
/// <remarks>
/// Reservations are made unconfirmed. While any exists, a durable reminder sweeps every quarter of the reservation
/// timeout and asks the order of each one that timed out: a confirmed order makes it permanent, a placement still
/// running gets another timeout, anything else (the process died mid-placement, the order was refused) releases
/// it. So a crashed placement never holds stock for more than about one and a quarter timeouts, also across a
/// restart, and the happy path costs no extra write.
/// <para>
/// Reservations interleave (<see cref="IInventoryGrain.ReserveAsync"/> is <c>[AlwaysInterleave]</c>), so a hot SKU does
/// not take them one write at a time: each is decided at once against the ledger in memory, which holds every earlier
/// decision, and its caller is answered when a write that carries it has committed. Writes go through a
/// <see cref="WriteCoalescer"/>: while one is in flight, the reservations decided meanwhile wait for the next, and
/// share it. A refusal needs no write. The expiry sweep, which decides across calls to orders, runs alone:
/// reservations that arrive during it wait for it to end.
/// </para>
/// <para>
/// Stock moved by hand (adjustments, transfers) is decided here too, against the same ledger, in the same turns as the
/// reservations; see <c>InventoryGrain.Movements.cs</c>.
/// </para>
/// </remarks>
[GrainType("inventory")]
public sealed partial class InventoryGrain(
    [EventedState("inventory", OrderActorsStorage.EventLog)] IEventedState<InventoryState> inventory,
    IOptions<OrderOptions> options,
    TimeProvider timeProvider)
    : Grain, IInventoryGrain, IRemindable
{
    private const string ExpiryReminder = "reservation-expiry";

    private StockLedger? _ledger;
    private WriteCoalescer? _writes;
    private Task? _sweep;

    // The ledger keeps running totals over the state object; it is rebuilt only if the state was reloaded.
    private StockLedger Ledger => ReferenceEquals(_ledger?.State, inventory.State) ? _ledger! : _ledger = new(this.GetPrimaryKeyString(), inventory.State);

    private TimeSpan Timeout => options.Value.ReservationTimeout;

    private WriteCoalescer Writes => _writes ??= new(() => inventory.WriteStateAsync());

    public async Task<InventoryView> SetStockAsync(SetStock command)
    {
        var ledger = Ledger;
        ledger.SetStock(command, timeProvider.GetUtcNow());
        await SaveAsync("inventory.stocked", null);
        return ledger.View();
    }

    public Task<InventoryView?> GetAsync()
        => Task.FromResult(inventory.State.Stocked ? Ledger.View() : null);

    public async Task<ReservationResult> ReserveAsync(ReserveStock request)
    {
        while (_sweep is { } sweep)
        {
            await Task.WhenAny(sweep); // its outcome is the reminder's business
        }

        var (result, changed) = Ledger.Reserve(request, timeProvider.GetUtcNow(), Timeout, options.Value.AllocationStrategy);
        if (!changed && result.Outcome == ReservationOutcome.Reserved && Writes.IsWriting)
        {
            await Writes.WriteAsync(); // a repeat of a reservation that is not written yet: answered once it is
        }

        if (changed)
        {
            if (!request.Confirm && !inventory.State.ExpiryReminderRegistered)
            {
                var sweep = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Timeout.Ticks / 4));
                await this.RegisterOrUpdateReminder(ExpiryReminder, Timeout, sweep);
                inventory.State.ExpiryReminderRegistered = true;
            }

            await ScheduleReleaseAsync();
            await SaveAsync(request.Confirm ? "inventory.confirmed" : "inventory.reserved", request.OrderId);
        }

        return result;
    }

    public async Task ReleaseAsync(ReleaseStock request)
    {
        if (Ledger.Release(request.OrderId, request.Location))
        {
            await SaveAsync("inventory.released", request.OrderId);
        }
    }

    public async Task<int> CommitAsync(CommitStock request)
    {
        var units = Ledger.Commit(request.OrderId, request.Location, timeProvider.GetUtcNow());
        if (units > 0)
        {
            await SaveAsync("inventory.committed", request.OrderId);
        }

        return units;
    }

    public async Task<InventoryView> RestockAsync(RestockStock request)
    {
        var ledger = Ledger;
        if (ledger.Restock(request, timeProvider.GetUtcNow()))
        {
            await SaveAsync("inventory.restocked", null);
        }

        return ledger.View();
    }

    // Every change of levels goes on the SKU's stream with the write that makes it, and each movement on the SKU's
    // movements stream: the n-th movement is the n-th event there, so the history is read by its numbers.
    private Task SaveAsync(string type, string? orderId)
    {
        var ledger = Ledger;
        var now = timeProvider.GetUtcNow();
        ForgetExpired(ledger, now);
        var allocated = ledger.AllocateBackorders(now, options.Value.AllocationStrategy); // whatever the change freed goes to the queue in this write
        var view = ledger.View();
        inventory.Append(StreamId.Create(StreamNamespaces.Inventory, view.Sku), type,
            new InventoryChanged(view.Sku, type, now, orderId, view.OnHand, view.Reserved, view.Available, view.Committed, view.InTransit, view.WrittenOff, view.Backordered));
        foreach (var movement in ledger.TakeMovements())
        {
            inventory.Append(StreamId.Create(StreamNamespaces.StockMovements, view.Sku), StockMoved.Type, new StockMoved(view.Sku, movement));
        }

        AppendAllocated(view, allocated, now);

        return Writes.WriteAsync();
    }

    private async Task<ReservationVerdict> AskAsync(string orderId)
    {
        try
        {
            return await GrainFactory.GetGrain<IOrderGrain>(orderId).VouchForReservationAsync(this.GetPrimaryKeyString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ReservationVerdict.Pending;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReleaseReminder)
        {
            await ReleasePreordersAsync();
            return;
        }

        if (reminderName != ExpiryReminder)
        {
            return;
        }

        var sweep = SweepAsync();
        _sweep = sweep;
        try
        {
            await sweep;
        }
        finally
        {
            _sweep = null;
        }
    }

    private async Task SweepAsync()
    {
        await Task.Yield(); // the caller publishes the task before the sweep makes its first decision

        // Each timed-out reservation's order decides; an order that cannot be reached keeps it for another round
        // (releasing stock a confirmed order still needs would oversell).
        var now = timeProvider.GetUtcNow();
        var ledger = Ledger;
        var due = ledger.DueForCheck(now);
        var verdicts = await Task.WhenAll(due.Select(AskAsync));
        var changed = false;
        foreach (var (orderId, verdict) in due.Zip(verdicts))
        {
            changed |= verdict switch
            {
                ReservationVerdict.Confirmed => ledger.Confirm(orderId),
                ReservationVerdict.Release => ledger.Release(orderId),
                _ => ledger.Extend(orderId, now + Timeout),
            };
        }

        var idle = !ledger.HasUnconfirmed;
        if (idle)
        {
            inventory.State.ExpiryReminderRegistered = false;
        }

        if (changed)
        {
            await SaveAsync("inventory.reservations_checked", null);
        }
        else if (idle)
        {
            await Writes.WriteAsync();
        }

        // Unregistered only after the state says so: a reminder without the flag is harmless, the reverse would
        // leave future reservations without expiry.
        if (idle)
        {
            if (await this.GetReminder(ExpiryReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }
}
