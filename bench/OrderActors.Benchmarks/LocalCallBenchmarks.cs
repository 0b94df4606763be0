using BenchmarkDotNet.Attributes;

namespace OrderActors.Benchmarks;

/// <summary>
/// The cost of the runtime's local message path: a call to a grain method that does nothing, on an in-process
/// silo with memory storage. Every grain is activated in setup, so activation is not measured.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class LocalCallBenchmarks
{
    /// <summary>Grains the throughput benchmark spreads its calls over.</summary>
    public const int Grains = 1000;

    /// <summary>Calls in flight at once in the throughput benchmark (one per grain).</summary>
    public const int ConcurrentCalls = Grains;

    /// <summary>Calls one after another in the sequential benchmark.</summary>
    public const int SequentialCalls = 100;

    private BenchSilo _silo = null!;
    private IPingGrain _grain = null!;
    private IPingGrain[] _grains = null!;
    private Task<int>[] _batch = null!;

    /// <summary>Whether arguments and results are serialized as if they crossed a process boundary.</summary>
    [Params(false, true)]
    public bool SerializeLocalCalls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _silo = BenchSilo.Start("Memory", configure: o => o.SerializeLocalCalls = SerializeLocalCalls);
        _grain = _silo.Grains.GetGrain<IPingGrain>("single");
        _grains = Enumerable.Range(0, Grains).Select(i => _silo.Grains.GetGrain<IPingGrain>($"ping-{i}")).ToArray();
        _batch = new Task<int>[ConcurrentCalls];
        _grain.PingAsync(0).GetAwaiter().GetResult();
        Task.WhenAll(_grains.Select(g => g.PingAsync(0))).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _silo.Dispose();

    /// <summary>One call from a thread that blocks until the response arrives: the round-trip latency a synchronous caller sees.</summary>
    [Benchmark(Description = "single call (blocking caller)")]
    public Task<int> SingleCall() => _grain.PingAsync(1);

    /// <summary>
    /// Calls awaited one after another by an async caller that runs on the thread pool (as grain code and request
    /// handlers do); reported per call.
    /// </summary>
    [Benchmark(Description = "sequential awaited calls", OperationsPerInvoke = SequentialCalls)]
    public async Task<int> SequentialAwaitedCalls()
    {
        var sum = 0;
        for (var i = 0; i < SequentialCalls; i++)
        {
            sum += await _grain.PingAsync(i);
        }

        return sum;
    }

    /// <summary>A batch of concurrent calls, one to each of <see cref="Grains"/> grains, awaited together; reported per call.</summary>
    [Benchmark(Description = "concurrent calls over 1000 grains", OperationsPerInvoke = ConcurrentCalls)]
    public Task ConcurrentCallsOverManyGrains()
    {
        for (var i = 0; i < _batch.Length; i++)
        {
            _batch[i] = _grains[i].PingAsync(i);
        }

        return Task.WhenAll(_batch);
    }
}
