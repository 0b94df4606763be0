using BenchmarkDotNet.Running;
using OrderActors.Benchmarks.Load;
using OrderActors.Benchmarks.Memory;

namespace OrderActors.Benchmarks;

/// <summary>
/// Entry point: pick benchmarks with <c>--filter</c>, e.g. <c>--filter '*LocalCall*'</c>; or <c>load --url …</c>
/// drives a running API with orders (see <see cref="OrderLoad"/>); or <c>memory …</c> measures what an order costs in
/// memory and on disk on an in-process silo (see <see cref="MemoryMeasurement"/>); or <c>pg-counters CONNECTION_STRING</c> prints
/// PostgreSQL's commit and WAL counters as one <c>|</c>-separated line (what <c>bench/compare.sh</c> reads around pgbench).
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by the command line, or the load generator.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["load", .. var rest])
        {
            return await OrderLoad.RunAsync(rest);
        }

        if (args is ["memory", .. var options])
        {
            return await MemoryMeasurement.RunAsync(options);
        }

        if (args is ["pg-counters", var connectionString])
        {
            var counters = await PgCounters.ReadAsync(connectionString);
            Console.WriteLine($"{counters.WriteTransactions}|{counters.WalLsn}|{counters.StatCommits}|{counters.StatWalBytes}");
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
