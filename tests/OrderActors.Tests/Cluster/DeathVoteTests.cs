using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// The death vote, round by round on a clock the test moves: heartbeat loops are stopped and each silo's round is run
/// by hand, so which silo suspected whom, and when, is exact.
/// </summary>
public sealed class DeathVoteTests() : HandRunMembershipTests(new ClusterOptions
{
    ClusterId = "votes", HeartbeatPeriod = TimeSpan.FromSeconds(1), DeathTimeout = TimeSpan.FromSeconds(5), VotesForDeath = 2,
})
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private async Task<(MembershipService Service, SiloAddress Address)> JoinAsync(int port)
    {
        var address = new SiloAddress("10.0.0.1", port, 1);
        return (await JoinAsync(address), address);
    }

    [Fact]
    public async Task With_three_silos_one_suspicion_alone_does_not_kill_and_a_second_voter_does()
    {
        var (a, addressA) = await JoinAsync(1);
        var (b, addressB) = await JoinAsync(2);
        var (_, addressC) = await JoinAsync(3); // c never heartbeats again

        for (var second = 0; second < 15; second++)
        {
            Time.Advance(Period);
            await Table.HeartbeatAsync(Options.ClusterId, addressB); // b is alive but does not vote yet
            Assert.True(await a.TickAsync());
        }

        var suspect = (await RowAsync(addressC))!;
        Assert.Equal(SiloStatus.Active, suspect.Status); // 15 s silent, well past the 5 s timeout, but only a suspects it
        Assert.Equal([addressA], suspect.Suspicions.Select(s => s.Suspecter));
        Assert.Contains(addressC, a.CurrentView.ActiveSilos);

        Assert.True(await b.TickAsync()); // the second vote

        Assert.Equal(SiloStatus.Dead, (await RowAsync(addressC))!.Status);
        Assert.Equal([addressA, addressB], b.CurrentView.ActiveSilos.OrderBy(s => s.Port));
        await a.TickAsync();
        Assert.Equal([addressA, addressB], a.CurrentView.ActiveSilos.OrderBy(s => s.Port));
    }

    [Fact]
    public async Task With_two_silos_the_survivor_alone_declares_the_death_but_not_before_the_timeout()
    {
        var (a, _) = await JoinAsync(1);
        var (_, addressB) = await JoinAsync(2);

        for (var second = 1; second <= 5; second++)
        {
            Time.Advance(Period);
            await a.TickAsync();
            Assert.Equal(SiloStatus.Active, (await RowAsync(addressB))!.Status); // silent for 5 s: not more than the timeout yet
        }

        Time.Advance(Period);
        await a.TickAsync();
        Assert.Equal(SiloStatus.Dead, (await RowAsync(addressB))!.Status);
    }

    [Fact]
    public async Task Suspicions_older_than_the_suspects_last_heartbeat_do_not_count()
    {
        var (a, addressA) = await JoinAsync(1);
        var (b, addressB) = await JoinAsync(2);
        var (_, addressC) = await JoinAsync(3);

        // b suspects c, then c comes back for one heartbeat and falls silent again.
        for (var second = 0; second < 6; second++)
        {
            Time.Advance(Period);
            await Table.HeartbeatAsync(Options.ClusterId, addressA);
            await b.TickAsync();
        }

        await Table.HeartbeatAsync(Options.ClusterId, addressC);
        for (var second = 0; second < 6; second++)
        {
            Time.Advance(Period);
            await Table.HeartbeatAsync(Options.ClusterId, addressB);
            await a.TickAsync();
        }

        // a's vote and b's old vote (cast before c's heartbeat) are not two votes on the same silence.
        Assert.Equal(SiloStatus.Active, (await RowAsync(addressC))!.Status);
    }
}
