using OrderActors.Grains.Events;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// Backorders and preorders in the SKU's grain: claims of allocated units, cancelled backorders, and the reminder that
/// allocates preorders when their release date passes.
/// </summary>
/// <remarks>
/// Allocation itself runs in every write (<c>SaveAsync</c>): the units a change frees go to the queue in the same
/// commit, and each order allocated units gets an <c>inventory.allocated</c> event on the SKU's stream with it. The
/// order learns of it from that event (the backorder allocator calls it), never from this grain: an inventory grain
/// calling an order would close a cycle with the order's calls down to it.
/// </remarks>
public sealed partial class InventoryGrain
{
    /// <summary>The reminder that allocates preorders once their release date has passed.</summary>
    public const string ReleaseReminder = "preorder-release";

    /// <summary>The event type of units allocated to an order's backorder (its <see cref="InventoryChanged.OrderId"/>).</summary>
    public const string AllocatedEvent = "inventory.allocated";

    // A reminder's first tick may not be arbitrarily far away: a later release date is reached in steps of this.
    private static readonly TimeSpan LongestReleaseWait = TimeSpan.FromDays(7);

    public async Task<BackorderClaim> ClaimBackorderAsync(ClaimBackorder command)
    {
        var (claim, changed) = Ledger.Claim(command);
        if (changed)
        {
            await SaveAsync("inventory.backorder_claimed", command.OrderId);
        }
        else if (claim.Allocations.Count > 0 && Writes.IsWriting)
        {
            await Writes.WriteAsync(); // a repeat of a claim that is not written yet: answered once it is
        }

        return claim;
    }

    public async Task CancelBackorderAsync(string orderId)
    {
        if (Ledger.DropBackorder(orderId))
        {
            await SaveAsync("inventory.backorder_cancelled", orderId);
        }
    }

    private void AppendAllocated(InventoryView view, IReadOnlyList<string> orders, DateTimeOffset now)
    {
        foreach (var orderId in orders)
        {
            inventory.Append(StreamId.Create(StreamNamespaces.Inventory, view.Sku), AllocatedEvent,
                new InventoryChanged(view.Sku, AllocatedEvent, now, orderId, view.OnHand, view.Reserved, view.Available, view.Committed, view.InTransit,
                    view.WrittenOff, view.Backordered));
        }
    }

    // The release date passed (or the reminder's step did): the write allocates what became eligible.
    private async Task ReleasePreordersAsync()
    {
        inventory.State.ReleaseReminderAt = null;
        await SaveAsync("inventory.preorders_released", null);
        await ScheduleReleaseAsync();
    }

    // Keeps one reminder due at the earliest release date units still wait for; the state remembers when, so the
    // common case (no preorders, or the reminder already set) costs no call to the reminder service.
    private async Task ScheduleReleaseAsync()
    {
        var now = timeProvider.GetUtcNow();
        var next = Ledger.NextRelease(now);
        if (next == inventory.State.ReleaseReminderAt)
        {
            return;
        }

        if (next is { } at)
        {
            var due = at - now < LongestReleaseWait ? at - now : LongestReleaseWait;
            await this.RegisterOrUpdateReminder(ReleaseReminder, due, TimeSpan.FromHours(1));
        }
        else if (await this.GetReminder(ReleaseReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        inventory.State.ReleaseReminderAt = next; // written with the change that follows
    }
}
