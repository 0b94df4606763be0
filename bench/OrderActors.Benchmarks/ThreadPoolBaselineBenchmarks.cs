using BenchmarkDotNet.Attributes;

namespace OrderActors.Benchmarks;

/// <summary>
/// What the local call benchmarks cannot go below: handing work to a thread-pool thread and getting the result
/// back, with no runtime involved. A grain call makes the same hand-off, so these set the floor for
/// a grain call.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class ThreadPoolBaselineBenchmarks
{
    private const int SequentialCalls = 1000;

    /// <summary>One work item run on the thread pool while the calling thread blocks for its result.</summary>
    [Benchmark(Description = "Task.Run round trip (blocking caller)")]
    public Task<int> TaskRunBlocking() => Task.Run(static () => 1);

    /// <summary>Work items awaited one after another by an async caller on the thread pool; reported per item.</summary>
    [Benchmark(Description = "sequential awaited Task.Run", OperationsPerInvoke = SequentialCalls)]
    public async Task<int> SequentialAwaitedTaskRun()
    {
        var sum = 0;
        for (var i = 0; i < SequentialCalls; i++)
        {
            sum += await Task.Run(static () => 1);
        }

        return sum;
    }
}
