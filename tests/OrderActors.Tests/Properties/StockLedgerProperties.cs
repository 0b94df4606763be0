using System.Text.Json;
using CsCheck;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;

namespace OrderActors.Tests.Properties;

/// <summary>
/// The stock ledger under random sequences of valid and invalid commands (stocking with boundary quantities,
/// reservations, releases, commits, restocks, confirmations): after every command the ledger answers, no location has
/// negative available stock or fewer units on hand than reserved, the sums fit their declared bounds, and a refused
/// command left the state exactly as it was.
/// </summary>
public sealed class StockLedgerProperties
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Locations = ["a", "b", "c"];
    private static readonly string[] Orders = ["o1", "o2", "o3", "o4"];

    // Small counts most of the time, the edges of every declared bound some of the time.
    private static readonly Gen<int> Quantity = Gen.Frequency(
        (6, Gen.Int[0, 20]),
        (1, Gen.OneOf(-1, 0, 1, DomainLimits.MaxOnHandPerLocation - 1, DomainLimits.MaxOnHandPerLocation,
            DomainLimits.MaxOnHandPerLocation + 1, DomainLimits.MaxOnHandPerSku, int.MaxValue, int.MinValue)));

    private static readonly Gen<string> Location = Gen.OneOf(Locations);

    private static readonly Gen<LedgerCommand> Command = Gen.OneOf<LedgerCommand>(
        Gen.Select(Gen.Int[0, 3], Quantity.Array[3], (count, quantities) =>
            (LedgerCommand)new Stock([.. Locations.Take(count).Select((l, i) => new LocationQuantity(l, quantities[i]))])),
        Gen.Select(Gen.OneOf(Orders), Quantity, Gen.Bool, (order, quantity, confirm) => (LedgerCommand)new Reserve(new ReserveStock(order, quantity, confirm))),
        Gen.Select(Gen.OneOf(Orders), Gen.OneOf<string?>(null, "a", "b", "c"), (order, location) => (LedgerCommand)new Release(order, location)),
        Gen.Select(Gen.OneOf(Orders), Location, (order, location) => (LedgerCommand)new Commit(order, location)),
        Gen.Select(Gen.Int[1, 3], Location, Quantity, Quantity, (n, location, resellable, damaged) => (LedgerCommand)new Restock(new RestockStock($"o1-r{n}", location, resellable, damaged))),
        Gen.OneOf(Orders).Select(order => (LedgerCommand)new Confirm(order)));

    [Fact]
    public void Every_command_sequence_keeps_the_ledger_answering_and_its_invariants()
    {
        var runs = Cases.Check(Command.Array[1, 25], 2_000, commands =>
        {
            var ledger = new StockLedger("sku-p", new InventoryState());
            foreach (var command in commands)
            {
                var before = Snapshot(ledger);
                try
                {
                    command.Apply(ledger);
                }
                catch (DomainException)
                {
                    Assert.True(before == Snapshot(ledger), $"a refused {command} changed the ledger");
                }

                Check(ledger, command);
            }
        });
        Console.WriteLine($"Stock ledger properties: {runs} command sequences.");
    }

    private static void Check(StockLedger ledger, LedgerCommand after)
    {
        var view = ledger.View(); // must not throw: an overflow here is the poisoned SKU of issue 11
        Assert.True(view.Locations.All(l => l.Available >= 0 && l.OnHand >= l.Reserved), $"after {after}: {JsonSerializer.Serialize(view)}");
        Assert.True(view.OnHand <= DomainLimits.MaxOnHandPerSku && view.Locations.All(l => l.OnHand <= DomainLimits.MaxOnHandPerLocation),
            $"after {after}: on hand {view.OnHand} is past the declared bounds");
        Assert.Equal(view.Locations.Sum(l => (long)l.Available), view.Available);
    }

    private static string Snapshot(StockLedger ledger) => JsonSerializer.Serialize(ledger.State);

    private abstract record LedgerCommand
    {
        public abstract void Apply(StockLedger ledger);
    }

    private sealed record Stock(LocationQuantity[] Locations) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.SetStock(new SetStock(Locations, []));

        public override string ToString() => $"SetStock({string.Join(", ", Locations.Select(l => $"{l.Location}={l.OnHand}"))})";
    }

    private sealed record Reserve(ReserveStock Request) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.Reserve(Request, Now, TimeSpan.FromMinutes(15));
    }

    private sealed record Release(string Order, string? Location) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.Release(Order, Location);
    }

    private sealed record Commit(string Order, string Location) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.Commit(Order, Location);
    }

    private sealed record Restock(RestockStock Request) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.Restock(Request);
    }

    private sealed record Confirm(string Order) : LedgerCommand
    {
        public override void Apply(StockLedger ledger) => ledger.Confirm(Order);
    }
}
