using System.Text.Json;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// Stock moved by hand: adjustments by a delta for a reason, and transfers between locations (out at once, in transit,
/// in at the destination, or back on cancel). Each records its movements; none ever takes available below zero.
/// </summary>
public sealed partial class StockLedger
{
    /// <summary>
    /// The most finished (received or cancelled) transfers kept in the state beside the open ones, for
    /// <see cref="FinishedTransfersKeptFor"/>: enough to answer a repeated receive or cancel. Forgotten ones are in the
    /// movement history; the state, written with every reservation, stays small.
    /// </summary>
    public const int FinishedTransfersKept = 100;

    /// <summary>How long a finished transfer is kept in the state (see <see cref="FinishedTransfersKept"/>).</summary>
    public static readonly TimeSpan FinishedTransfersKeptFor = TimeSpan.FromDays(1);

    /// <summary>Units of open transfers.</summary>
    public int InTransit => OpenTransfers.Sum(t => t.Quantity);

    private IEnumerable<StockTransfer> OpenTransfers => _state.Transfers.Where(t => t.Status == TransferStatus.InTransit);

    /// <summary>The movements recorded since the last call, oldest first; the caller publishes them with the state that holds them.</summary>
    public IReadOnlyList<StockMovement> TakeMovements()
    {
        var taken = _movements.ToArray();
        _movements.Clear();
        return taken;
    }

    /// <summary>Changes on-hand at a location by the command's delta, for its reason.</summary>
    /// <returns>The movement.</returns>
    /// <exception cref="DomainException">
    /// The SKU was never stocked (404 <c>unknown-sku</c>), the delta does not fit the reason or the limits (422), or it
    /// would remove units that are reserved or not there (409 <c>insufficient-stock</c>).
    /// </exception>
    public StockMovement Adjust(AdjustStock command, DateTimeOffset now)
    {
        EnsureStocked();
        EnsureLocation("location", command.Location);
        EnsureTexts(command.Note, command.Reference);
        if (!Enum.IsDefined(command.Reason))
        {
            throw DomainException.InvalidField("reason", $"Reason {command.Reason} is not one of {string.Join(", ", Enum.GetValues<StockReason>().Select(Name))}.");
        }

        if (command.Delta is 0 or < -DomainLimits.MaxOnHandPerLocation or > DomainLimits.MaxOnHandPerLocation)
        {
            throw DomainException.InvalidField("delta",
                $"Delta {command.Delta} must be between -{DomainLimits.MaxOnHandPerLocation} and {DomainLimits.MaxOnHandPerLocation}, and not 0.");
        }

        var direction = command.Reason switch
        {
            StockReason.Receipt => 1,
            StockReason.Damage or StockReason.WriteOff => -1,
            _ => 0,
        };
        if (direction != 0 && Math.Sign(command.Delta) != direction)
        {
            throw DomainException.InvalidField("delta",
                $"A {Name(command.Reason)} {(direction > 0 ? "adds units: delta must be positive" : "removes units: delta must be negative")}, not {command.Delta}.");
        }

        var writtenOff = direction < 0 ? -command.Delta : 0;
        if (command.Delta < 0)
        {
            EnsureAvailable(command.Location, -command.Delta);
        }
        else
        {
            EnsureRoom(command.Location, command.Delta, "delta", countsTowardsSku: true);
        }

        EnsureWriteOffFits(writtenOff, "delta");
        AddOnHand(command.Location, command.Delta);
        WriteOff(command.Location, writtenOff);
        return Record(now, command.Location, MovementKind.Adjusted, command.Delta, command.Actor, command.Reference, command.Reason, writtenOff, note: command.Note)!;
    }

    /// <summary>Starts a transfer: its units leave <see cref="TransferStock.From"/> now and are in transit.</summary>
    /// <returns>The transfer, with its new id.</returns>
    /// <exception cref="DomainException">
    /// The SKU was never stocked (404 <c>unknown-sku</c>), invalid locations or quantity (422), too few units available
    /// at the source (409 <c>insufficient-stock</c>), or too many transfers open (409 <c>too-many-transfers</c>).
    /// </exception>
    public StockTransfer Transfer(TransferStock command, DateTimeOffset now)
    {
        EnsureStocked();
        EnsureLocation("from", command.From);
        EnsureLocation("to", command.To);
        EnsureTexts(command.Note, command.Reference);
        if (command.From == command.To)
        {
            throw DomainException.InvalidField("to", $"A transfer goes to another location: 'from' and 'to' are both '{command.From}'.");
        }

        if (command.Quantity is < 1 or > DomainLimits.MaxOnHandPerLocation)
        {
            throw DomainException.InvalidField("quantity", $"Quantity {command.Quantity} must be between 1 and {DomainLimits.MaxOnHandPerLocation}.");
        }

        var open = OpenTransfers.ToArray();
        if (open.Length >= DomainLimits.MaxOpenTransfersPerSku)
        {
            throw DomainException.Conflict("too-many-transfers",
                $"SKU '{_sku}' has {open.Length} transfers in transit, the most it may have; receive or cancel one first.");
        }

        EnsureAvailable(command.From, command.Quantity);
        var bound = open.Where(t => t.To == command.To).Sum(t => (long)t.Quantity);
        EnsureRoom(command.To, command.Quantity + bound, "quantity", countsTowardsSku: false);

        AddOnHand(command.From, -command.Quantity);
        var transfer = new StockTransfer($"t{checked(++_state.TransferCount)}", command.From, command.To, command.Quantity, TransferStatus.InTransit, now,
            command.Note, command.Reference, command.Actor);
        _state.Transfers.Add(transfer);
        Record(now, command.From, MovementKind.TransferredOut, -command.Quantity, command.Actor, command.Reference, transferId: transfer.Id, note: command.Note);
        return transfer;
    }

    /// <summary>Lands a transfer at its destination; the units that did not arrive are written off there.</summary>
    /// <returns>The transfer, and whether anything changed (false for a repeat of the same receipt).</returns>
    /// <exception cref="DomainException">
    /// An unknown transfer (404 <c>transfer-not-found</c>), one that is not in transit (409 <c>invalid-transition</c>),
    /// or a count or reason that does not fit (422).
    /// </exception>
    public (StockTransfer Transfer, bool Changed) ReceiveTransfer(ReceiveTransfer command, DateTimeOffset now)
    {
        var (index, transfer) = FindTransfer(command.TransferId);
        if (transfer.Status == TransferStatus.Received && transfer.Received == command.Received)
        {
            return (transfer, false);
        }

        EnsureInTransit(transfer, "receive");
        EnsureTexts(command.Note, null);
        if (command.Received < 0 || command.Received > transfer.Quantity)
        {
            throw DomainException.InvalidField("received", $"Transfer '{transfer.Id}' sent {transfer.Quantity} units; received must be between 0 and that, not {command.Received}.");
        }

        var shortfall = transfer.Quantity - command.Received;
        var reason = shortfall > 0 ? command.ShortfallReason ?? StockReason.WriteOff : (StockReason?)null;
        if (reason is not (null or StockReason.Damage or StockReason.WriteOff))
        {
            throw DomainException.InvalidField("shortfallReason", $"Units that did not arrive are written off for damage or write_off, not {Name(reason.Value)}.");
        }

        EnsureWriteOffFits(shortfall, "received");
        if (command.Received > 0)
        {
            EnsureRoom(transfer.To, command.Received, "received", countsTowardsSku: false);
            AddOnHand(transfer.To, command.Received); // nothing arriving does not stock the destination
        }

        WriteOff(transfer.To, shortfall);
        var received = transfer with { Status = TransferStatus.Received, Received = command.Received, ShortfallReason = reason, FinishedAt = now };
        _state.Transfers[index] = received;
        Record(now, transfer.To, MovementKind.TransferredIn, command.Received, command.Actor, transfer.Reference, reason, shortfall, transfer.Id, command.Note);
        ForgetFinishedTransfers(now);
        return (received, true);
    }

    /// <summary>Calls off a transfer in transit: its units go back on hand at its source (stocked there again if it was removed).</summary>
    /// <returns>The transfer, and whether anything changed (false for a repeat).</returns>
    /// <exception cref="DomainException">An unknown transfer (404 <c>transfer-not-found</c>), or one already received (409 <c>invalid-transition</c>).</exception>
    public (StockTransfer Transfer, bool Changed) CancelTransfer(CancelTransfer command, DateTimeOffset now)
    {
        var (index, transfer) = FindTransfer(command.TransferId);
        if (transfer.Status == TransferStatus.Cancelled)
        {
            return (transfer, false);
        }

        EnsureInTransit(transfer, "cancel");
        EnsureTexts(command.Note, null);
        EnsureRoom(transfer.From, transfer.Quantity, "quantity", countsTowardsSku: false);
        AddOnHand(transfer.From, transfer.Quantity);
        var cancelled = transfer with { Status = TransferStatus.Cancelled, FinishedAt = now };
        _state.Transfers[index] = cancelled;
        Record(now, transfer.From, MovementKind.TransferCancelled, transfer.Quantity, command.Actor, transfer.Reference, transferId: transfer.Id, note: command.Note);
        ForgetFinishedTransfers(now);
        return (cancelled, true);
    }

    /// <summary>
    /// Forgets the finished transfers that finished more than <see cref="FinishedTransfersKeptFor"/> before
    /// <paramref name="now"/>, and the oldest past <see cref="FinishedTransfersKept"/>.
    /// </summary>
    public void ForgetFinishedTransfers(DateTimeOffset now)
    {
        var finished = _state.Transfers.Count(t => t.Status != TransferStatus.InTransit);
        for (var i = 0; i < _state.Transfers.Count;)
        {
            var transfer = _state.Transfers[i];
            if (transfer.Status != TransferStatus.InTransit && (finished > FinishedTransfersKept || transfer.FinishedAt < now - FinishedTransfersKeptFor))
            {
                _state.Transfers.RemoveAt(i);
                finished--;
            }
            else
            {
                i++;
            }
        }
    }

    private int OnHandAt(string location) => _state.Locations.FirstOrDefault(l => l.Location == location)?.OnHand ?? 0;

    // Changes on-hand at a location, stocking it last in priority if it was not; the checks that it fits come first.
    private void AddOnHand(string location, int delta)
    {
        var index = _state.Locations.FindIndex(l => l.Location == location);
        if (index < 0)
        {
            _state.Locations.Add(new LocationQuantity(location, delta));
        }
        else if (delta != 0)
        {
            _state.Locations[index] = _state.Locations[index] with { OnHand = _state.Locations[index].OnHand + delta };
        }
    }

    private void WriteOff(string location, int units)
    {
        if (units > 0)
        {
            _state.WrittenOff[location] = _state.WrittenOff.GetValueOrDefault(location) + units;
        }
    }

    // A movement of nothing (a location set to what it held, an empty return) is not recorded.
    private StockMovement? Record(DateTimeOffset now, string location, MovementKind kind, int delta, Actor? actor, string? reference = null,
        StockReason? reason = null, int writtenOff = 0, string? transferId = null, string? note = null)
    {
        if (delta == 0 && writtenOff == 0)
        {
            return null;
        }

        var movement = new StockMovement(++_state.MovementCount, now, location, kind, reason, delta, OnHandAt(location), writtenOff, reference, transferId, note, actor);
        _movements.Add(movement);
        return movement;
    }

    private void EnsureStocked()
    {
        if (!_state.Stocked)
        {
            throw DomainException.NotFound("unknown-sku", $"SKU '{_sku}' has never been stocked; set its stock first.");
        }
    }

    private static void EnsureLocation(string field, string location)
    {
        if (string.IsNullOrWhiteSpace(location) || location.Length > DomainLimits.MaxIdentifierLength)
        {
            throw DomainException.InvalidField(field, $"A location id must have 1 to {DomainLimits.MaxIdentifierLength} characters.");
        }
    }

    private static void EnsureTexts(string? note, string? reference)
    {
        if (note?.Length > DomainLimits.MaxTextLength)
        {
            throw DomainException.InvalidField("note", $"A note has at most {DomainLimits.MaxTextLength} characters.");
        }

        if (reference?.Length > DomainLimits.MaxNameLength)
        {
            throw DomainException.InvalidField("reference", $"A reference has at most {DomainLimits.MaxNameLength} characters.");
        }
    }

    // Available may never go below zero: units reserved at a location stay there.
    private void EnsureAvailable(string location, int units)
    {
        var onHand = OnHandAt(location);
        var reserved = ReservedAt(location);
        var available = Math.Max(0, onHand - reserved);
        if (available < units)
        {
            throw DomainException.Conflict("insufficient-stock",
                $"SKU '{_sku}' has {available} units available at '{location}' ({onHand} on hand, {reserved} reserved); {units} cannot be taken from there.");
        }
    }

    // Units arriving at a location must fit its limit, and, unless they were counted already (in transit), the SKU's;
    // a location the SKU is not stocked at yet must fit the number of locations.
    private void EnsureRoom(string location, long units, string field, bool countsTowardsSku)
    {
        if (_state.Locations.All(l => l.Location != location) && _state.Locations.Count >= DomainLimits.MaxLocationsPerSku)
        {
            throw DomainException.Conflict("too-many-locations",
                $"SKU '{_sku}' is stocked at {_state.Locations.Count} locations, the most it may be; '{location}' would be one more. Set its stock without one first.");
        }

        var held = _state.Locations.Sum(l => (long)l.OnHand) + InTransit;
        if (OnHandAt(location) + units > DomainLimits.MaxOnHandPerLocation || (countsTowardsSku && held + units > DomainLimits.MaxOnHandPerSku))
        {
            throw DomainException.InvalidField(field,
                $"{units} more units of '{_sku}' at '{location}' would pass the limits of {DomainLimits.MaxOnHandPerLocation} per location and {DomainLimits.MaxOnHandPerSku} per SKU (in transit included).");
        }
    }

    // The written-off total is shown as an int: it may not pass one.
    private void EnsureWriteOffFits(int units, string field)
    {
        var total = _state.WrittenOff.Values.Sum(v => (long)v);
        if (units > 0 && total + units > int.MaxValue)
        {
            throw DomainException.InvalidField(field, $"SKU '{_sku}' has {total} units written off; {units} more would pass {int.MaxValue}.");
        }
    }

    private (int Index, StockTransfer Transfer) FindTransfer(string transferId)
    {
        var index = _state.Transfers.FindIndex(t => t.Id == transferId);
        return index >= 0
            ? (index, _state.Transfers[index])
            : throw DomainException.NotFound("transfer-not-found",
                $"SKU '{_sku}' has no transfer '{transferId}' in transit or among its latest {FinishedTransfersKept} finished ones.");
    }

    private static void EnsureInTransit(StockTransfer transfer, string action)
    {
        if (transfer.Status != TransferStatus.InTransit)
        {
            throw DomainException.InvalidTransition($"transfer '{transfer.Id}'", action, Name(transfer.Status), []);
        }
    }

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
