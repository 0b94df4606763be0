using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// Stock moved by hand: adjustments and transfers between locations.
/// </summary>
/// <remarks>
/// <para>
/// They live in the SKU's grain, not in grains of their own, because they decide over the same units as reservations.
/// A transfer racing a reservation for the last units at a location is two calls to this one activation: Orleans runs
/// one turn at a time, and each decision (<see cref="StockLedger.Transfer"/>, <see cref="StockLedger.Reserve"/>) is
/// made synchronously, in one turn, against the ledger in memory that already holds every earlier decision, written or
/// not. So whichever comes second sees the first: the transfer can only take units no reservation holds, and a
/// reservation only units that have not left. Neither is answered before a write that carries it has committed, and a
/// failed write fails every call that decided after it (see <see cref="WriteCoalescer"/>), so no answer rests on a
/// decision storage lost.
/// </para>
/// <para>
/// Each movement is an event on the SKU's <c>stock-movements</c> stream, committed with the state, not a list in the
/// state: the state keeps only the movement count, so the history never makes a write (a reservation's included) bigger.
/// </para>
/// </remarks>
public sealed partial class InventoryGrain
{
    /// <summary>
    /// The most requests with an Idempotency-Key remembered per SKU, each for <see cref="RequestsKeptFor"/>: a retry
    /// among them gets the first answer. The state is written with every reservation, so it keeps no more.
    /// </summary>
    public const int RequestsKept = 100;

    /// <summary>How long a request with an Idempotency-Key is remembered (see <see cref="RequestsKept"/>).</summary>
    public static readonly TimeSpan RequestsKeptFor = TimeSpan.FromDays(1);

    private static readonly Actor Nobody = new("", "");

    public async Task<StockAdjusted> AdjustStockAsync(AdjustStock command)
    {
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "adjust", request) is { Movement: { } known })
        {
            return new StockAdjusted(known, Ledger.View());
        }

        var ledger = Ledger;
        var movement = ledger.Adjust(command, timeProvider.GetUtcNow());
        Remember(command.IdempotencyKey, command.Actor, "adjust", request, movement.At, movement, null);
        await SaveAsync("inventory.adjusted", null);
        return new StockAdjusted(movement, ledger.View());
    }

    public async Task<TransferView> TransferStockAsync(TransferStock command)
    {
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "transfer", request) is { Transfer: { } known })
        {
            return new TransferView(inventory.State.Transfers.FirstOrDefault(t => t.Id == known.Id) ?? known, Ledger.View());
        }

        var ledger = Ledger;
        var transfer = ledger.Transfer(command, timeProvider.GetUtcNow());
        Remember(command.IdempotencyKey, command.Actor, "transfer", request, transfer.StartedAt, null, transfer);
        await SaveAsync("inventory.transfer_started", null);
        return new TransferView(transfer, ledger.View());
    }

    public Task<TransferView> ReceiveTransferAsync(ReceiveTransfer command)
        => FinishTransferAsync("inventory.transfer_received", (ledger, now) => ledger.ReceiveTransfer(command, now));

    public Task<TransferView> CancelTransferAsync(CancelTransfer command)
        => FinishTransferAsync("inventory.transfer_cancelled", (ledger, now) => ledger.CancelTransfer(command, now));

    // A receipt or a cancellation; a repeat changed nothing and needs no write.
    private async Task<TransferView> FinishTransferAsync(string type, Func<StockLedger, DateTimeOffset, (StockTransfer Transfer, bool Changed)> step)
    {
        var ledger = Ledger;
        var (transfer, changed) = step(ledger, timeProvider.GetUtcNow());
        if (changed)
        {
            await SaveAsync(type, null);
        }

        return new TransferView(transfer, ledger.View());
    }

    // An Idempotency-Key is scoped by kind and client; the same key with another request is refused.
    private KeyedStockRequest? Replay(string? key, Actor actor, string kind, object request)
    {
        var known = key is null ? null : inventory.State.Requests.FirstOrDefault(r => r.Key == RequestFingerprint.KeyOf(key, actor, kind));
        return known is null || known.Fingerprint == RequestFingerprint.Of(request)
            ? known
            : throw DomainException.Conflict("idempotency-key-reused", $"The Idempotency-Key '{key}' was used for another {kind} request; use a new key.");
    }

    private void Remember(string? key, Actor actor, string kind, object request, DateTimeOffset at, StockMovement? movement, StockTransfer? transfer)
    {
        if (key is null)
        {
            return;
        }

        var requests = inventory.State.Requests;
        requests.Add(new KeyedStockRequest(RequestFingerprint.KeyOf(key, actor, kind), RequestFingerprint.Of(request), at, movement, transfer));
        if (requests.Count > RequestsKept)
        {
            requests.RemoveRange(0, requests.Count - RequestsKept);
        }
    }

    // What the state keeps only for a while goes with the next write (a reservation's too), so an idle history of
    // adjustments and transfers never weighs on the writes of a busy SKU.
    private void ForgetExpired(StockLedger ledger, DateTimeOffset now)
    {
        ledger.ForgetFinishedTransfers(now);
        inventory.State.Requests.RemoveAll(r => r.At < now - RequestsKeptFor);
    }

}
