using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Placement;

namespace OrderActors.Benchmarks;

/// <summary>
/// The cost of a call between two cluster-mode silos in one process over TCP on loopback: silo A calls ping grains
/// that silo B owns (arguments and results always serialized). Every grain is activated and the connection open in
/// setup.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class RemoteCallBenchmarks
{
    /// <summary>Grains the throughput benchmark spreads its calls over (and calls in flight at once).</summary>
    public const int Grains = 1000;

    /// <summary>Calls one after another in the sequential benchmark.</summary>
    public const int SequentialCalls = 100;

    private BenchSilo _caller = null!;
    private BenchSilo _callee = null!;
    private IPingGrain _grain = null!;
    private IPingGrain[] _grains = null!;
    private Task<int>[] _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _caller = StartClusterSilo();
        _callee = StartClusterSilo();
        var view = new MembershipView(1, [_caller.Silo.Address!, _callee.Silo.Address!]);
        foreach (var silo in new[] { _caller, _callee })
        {
            ((StaticMembershipOracle)silo.Services.GetRequiredService<IMembershipOracle>()).Publish(view);
        }

        var keys = Enumerable.Range(0, int.MaxValue).Select(i => $"remote-{i}")
            .Where(key => RendezvousPlacement.PickOwner(new GrainId("ping", key), view) == _callee.Silo.Address)
            .Take(Grains + 1)
            .ToArray();
        _grain = _caller.Grains.GetGrain<IPingGrain>(keys[0]);
        _grains = keys[1..].Select(key => _caller.Grains.GetGrain<IPingGrain>(key)).ToArray();
        _batch = new Task<int>[Grains];
        _grain.PingAsync(0).GetAwaiter().GetResult();
        Task.WhenAll(_grains.Select(g => g.PingAsync(0))).GetAwaiter().GetResult();
        if (_callee.Silo.ActivationCount < Grains + 1)
        {
            throw new InvalidOperationException("The benchmark's grains did not activate on the callee silo.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _caller.Dispose();
        _callee.Dispose();
    }

    /// <summary>Remote calls awaited one after another; reported per call (round-trip latency over loopback).</summary>
    [Benchmark(Description = "sequential awaited remote calls", OperationsPerInvoke = SequentialCalls)]
    public async Task<int> SequentialAwaitedCalls()
    {
        var sum = 0;
        for (var i = 0; i < SequentialCalls; i++)
        {
            sum += await _grain.PingAsync(i);
        }

        return sum;
    }

    /// <summary>A batch of concurrent remote calls, one to each of <see cref="Grains"/> grains; reported per call.</summary>
    [Benchmark(Description = "concurrent remote calls over 1000 grains", OperationsPerInvoke = Grains)]
    public Task ConcurrentCallsOverManyGrains()
    {
        for (var i = 0; i < _batch.Length; i++)
        {
            _batch[i] = _grains[i].PingAsync(i);
        }

        return Task.WhenAll(_batch);
    }

    private static BenchSilo StartClusterSilo()
        => BenchSilo.Start(
            "Memory",
            settings: new Dictionary<string, string?>
            {
                ["OrderActors:Cluster:Enabled"] = "true",
                ["OrderActors:Cluster:SiloPort"] = "0",
                ["OrderActors:Cluster:AdvertisedHost"] = "127.0.0.1",
            },
            services: s => s.AddSingleton<IMembershipOracle>(sp => new StaticMembershipOracle(() => sp.GetRequiredService<Silo>().Address, MembershipView.Empty)));
}
