using System.Diagnostics;
using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Serialization;
using OrderActors.Tests.Infrastructure;
using OrderActors.Tests.Runtime;

namespace OrderActors.Tests.Cluster;

/// <summary>Calls between two silos over real TCP: results, exceptions, concurrency, payload size, cycles and timeouts.</summary>
public sealed class RemoteCallTests(TwoSiloFixture fixture) : IClassFixture<TwoSiloFixture>
{
    private readonly TestCluster _cluster = fixture.Cluster;

    private ClusterSilo Caller => _cluster.Silos[0];

    private ClusterSilo Callee => _cluster.Silos[1];

    private IClusterProbeGrain RemoteProbe() => Caller.Grains.GetGrain<IClusterProbeGrain>(_cluster.KeyOwnedBy(Callee, "test-cluster-probe"));

    [Fact]
    public async Task A_remote_call_round_trips_every_kind_of_result()
    {
        var probe = RemoteProbe();
        var document = new ProbeDocument("doc", 12.345m, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), [1, 2, 3],
            new Dictionary<string, string> { ["a"] = "b" }, DayOfWeek.Friday);

        Assert.Equal(Callee.Address.ToString(), await probe.WhereAsync());
        Assert.Equal(5, await probe.AddAsync(2, 3));
        Assert.Equal("héllo ✓", await probe.EchoAsync("héllo ✓"));
        Assert.Null(await probe.EchoAsync(null));
        await probe.NothingAsync();
        var echoed = await probe.DocumentAsync(document);
        Assert.Equal((document.Name, document.Amount, document.At, document.Day), (echoed!.Name, echoed.Amount, echoed.At, echoed.Day));
        Assert.Equal(document.Numbers, echoed.Numbers);
        Assert.Equal(document.Tags, echoed.Tags);
        Assert.Null(await probe.DocumentAsync(null));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (byte)(i * 31)), await probe.BlobAsync(300));
    }

    [Fact]
    public async Task A_remote_call_round_trips_every_kind_of_exception()
    {
        var probe = RemoteProbe();

        var domain = await Assert.ThrowsAsync<DomainException>(() => probe.ThrowDomainAsync("order-exists"));
        Assert.Equal((DomainErrorKind.Conflict, "order-exists", "conflict order-exists"), (domain.Kind, domain.Code, domain.Message));
        var argument = await Assert.ThrowsAsync<ArgumentException>(() => probe.ThrowArgumentAsync("bad input"));
        Assert.Equal(("message", new ArgumentException("bad input", "message").Message), (argument.ParamName, argument.Message));
        var unknown = await Assert.ThrowsAsync<GrainException>(probe.ThrowUnknownAsync);
        Assert.Equal("probe failure 7", unknown.Message);
        Assert.EndsWith("ProbeOnlyException", unknown.OriginalType);
        Assert.Equal(5, await probe.AddAsync(2, 3)); // the activation survives its exceptions
    }

    [Fact]
    public async Task Many_concurrent_calls_share_one_connection_and_each_gets_its_own_answer()
    {
        var probes = Enumerable.Range(0, 20).Select(_ => RemoteProbe()).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => probes[i % probes.Length].AddAsync(i, 1)));

        Assert.Equal(Enumerable.Range(1, 2000), results);
        Assert.Single(Caller.Silo.Transport!.Router.Connections.Open);
    }

    [Fact]
    public async Task Calls_sent_one_after_another_on_a_connection_arrive_in_the_order_they_were_sent()
    {
        var probe = RemoteProbe();
        await probe.NothingAsync(); // connected and activated

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(probe.RecordAsync).ToArray());

        Assert.Equal(Enumerable.Range(0, 1000), await probe.RecordedAsync());
    }

    [Fact]
    public async Task Large_payloads_cross_in_both_directions()
    {
        var probe = RemoteProbe();
        var text = new string('x', 6 * 1024 * 1024) + "end";

        Assert.Equal(text.Length, await probe.LengthAsync(text));
        var blob = await probe.BlobAsync(4 * 1024 * 1024);
        Assert.Equal(4 * 1024 * 1024, blob.Length);
        Assert.Equal(unchecked((byte)(4_000_000 * 31)), blob[4_000_000]);
    }

    [Fact]
    public async Task A_call_cycle_across_silos_fails_fast_with_a_deadlock()
    {
        var a = _cluster.KeyOwnedBy(Caller, "test-ping", "a");
        var b = _cluster.KeyOwnedBy(Callee, "test-ping", "b");
        var failure = await Assert.ThrowsAsync<DeadlockException>(() => Caller.Grains.GetGrain<IPingGrain>(a).PingAsync(b, 3));

        // The exception's type is the proof that the cycle check, not the 2 s call timeout, ended it.
        Assert.Contains(a, failure.Message);
        Assert.Equal(2, await Caller.Grains.GetGrain<IPingGrain>(a).PingInterleavedAsync(b, 2)); // an interleaving callback is fine
    }

    [Fact]
    public async Task A_remote_call_past_its_deadline_fails_with_a_timeout()
    {
        var probe = RemoteProbe();
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<GrainCallTimeoutException>(() => probe.SlowAsync(3000));

        // The grain answers after 3 s, so the exception alone shows the 2 s deadline ended the call; this only checks
        // that it did not hang on (loose, for a loaded machine).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"a call with a 2 s timeout failed after {watch.Elapsed}");
    }
}

/// <summary>Two silos with a 2 s call timeout whose views never change, shared by the tests of a class.</summary>
public sealed class TwoSiloFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(2, o => o.CallTimeout = TimeSpan.FromSeconds(2));

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
