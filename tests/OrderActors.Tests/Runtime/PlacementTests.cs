using OrderActors.Runtime;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Placement;

namespace OrderActors.Tests.Runtime;

public sealed class PlacementTests
{
    private static readonly SiloAddress[] Silos =
    [
        new("10.0.0.1", 11111, 1), new("10.0.0.2", 11111, 1), new("10.0.0.3", 11111, 1), new("10.0.0.4", 11111, 1),
    ];

    private static readonly GrainId[] Grains = Enumerable.Range(0, 20_000).Select(i => new GrainId("order", $"o-{i}")).ToArray();

    [Fact]
    public void Every_view_with_the_same_silos_picks_the_same_owner_whatever_their_order()
    {
        var forward = new MembershipView(1, Silos);
        var backward = new MembershipView(7, Silos.Reverse());
        Assert.All(Grains, g => Assert.Equal(RendezvousPlacement.PickOwner(g, forward), RendezvousPlacement.PickOwner(g, backward)));
    }

    [Fact]
    public void Grains_spread_evenly_over_the_silos()
    {
        var counts = Grains.GroupBy(g => RendezvousPlacement.PickOwner(g, Silos)!).ToDictionary(x => x.Key, x => x.Count());
        Assert.Equal(Silos.Length, counts.Count);
        var fair = Grains.Length / Silos.Length;
        Assert.All(counts.Values, c => Assert.InRange(c, fair * 0.9, fair * 1.1));
    }

    [Fact]
    public void A_silo_leaving_moves_only_its_own_grains_and_a_silo_joining_takes_only_grains_it_now_owns()
    {
        var gone = Silos[2];
        var remaining = Silos.Where(s => s != gone).ToArray();
        foreach (var grain in Grains)
        {
            var before = RendezvousPlacement.PickOwner(grain, Silos);
            var after = RendezvousPlacement.PickOwner(grain, remaining);
            if (before != gone)
            {
                Assert.Equal(before, after);
            }
        }

        var restarted = gone with { Generation = 2 };
        var joined = remaining.Append(restarted).ToArray();
        var moved = Grains.Count(g => RendezvousPlacement.PickOwner(g, remaining) != RendezvousPlacement.PickOwner(g, joined));
        Assert.Equal(Grains.Count(g => RendezvousPlacement.PickOwner(g, joined) == restarted), moved);
    }

    [Fact]
    public void No_silos_means_no_owner_and_silo_addresses_round_trip_as_text()
    {
        Assert.Null(RendezvousPlacement.PickOwner(Grains[0], MembershipView.Empty));
        Assert.Equal(Silos[1], SiloAddress.Parse(Silos[1].ToString()));
        Assert.Equal(new SiloAddress("::1", 5, 9), SiloAddress.Parse("::1:5@9"));
        Assert.Throws<FormatException>(() => SiloAddress.Parse("host:port"));
    }
}
