using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace OrderActors.Benchmarks.Load;

/// <summary>How one order request ended.</summary>
internal enum Outcome
{
    /// <summary>201: the order was placed.</summary>
    Accepted,

    /// <summary>409 out-of-stock with at least one alternative: the answer a flash sale's losers should get.</summary>
    Refused,

    /// <summary>409 out-of-stock offering no alternative although the substitute is in stock.</summary>
    RefusedWithoutAlternative,

    /// <summary>Anything else: another status, a transport failure, or an open-model order dropped or started late.</summary>
    Error,
}

/// <summary>
/// Counts the outcomes of the measured requests and records their latencies (from each request's intended start, in
/// microseconds) in an HdrHistogram; safe to record into from many requests at once and to read while they run.
/// </summary>
internal sealed class LoadRecorder
{
    private const long MaxLatencyMicroseconds = 10L * 60 * 1_000_000;

    private readonly LongConcurrentHistogram _latency = new(1, MaxLatencyMicroseconds, 3);
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private long _accepted;
    private long _refused;
    private long _refusedWithoutAlternative;
    private long _errorCount;
    private long _firstStart = long.MaxValue;
    private long _lastEnd;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Refused => Interlocked.Read(ref _refused);

    public long RefusedWithoutAlternative => Interlocked.Read(ref _refusedWithoutAlternative);

    public long Errors => Interlocked.Read(ref _errorCount);

    /// <summary>Requests answered with a decision (placed or refused): the ones whose latency is recorded.</summary>
    public long Answered => Accepted + Refused + RefusedWithoutAlternative;

    /// <summary>Errors by kind, e.g. <c>HTTP 500</c> or <c>dropped</c>.</summary>
    public IReadOnlyDictionary<string, int> ErrorKinds => new SortedDictionary<string, int>(_errors, StringComparer.Ordinal);

    /// <summary>Seconds from the first recorded intended start to the last recorded answer.</summary>
    public double ElapsedSeconds
    {
        get
        {
            var first = Interlocked.Read(ref _firstStart);
            var last = Interlocked.Read(ref _lastEnd);
            return first == long.MaxValue || last <= first ? 0 : (last - first) / (double)Stopwatch.Frequency;
        }
    }

    /// <summary>Records a request that started (or was due) at <paramref name="intendedStart"/> and ended now.</summary>
    public void Record(Outcome outcome, long intendedStart, string? errorKind = null)
    {
        var now = Stopwatch.GetTimestamp();
        InterlockedMin(ref _firstStart, intendedStart);
        InterlockedMax(ref _lastEnd, now);
        switch (outcome)
        {
            case Outcome.Accepted:
                Interlocked.Increment(ref _accepted);
                break;
            case Outcome.Refused:
                Interlocked.Increment(ref _refused);
                break;
            case Outcome.RefusedWithoutAlternative:
                Interlocked.Increment(ref _refusedWithoutAlternative);
                break;
            default:
                Interlocked.Increment(ref _errorCount);
                _errors.AddOrUpdate(errorKind ?? "error", 1, (_, n) => n + 1);
                return;
        }

        var micros = (long)((now - intendedStart) * 1_000_000.0 / Stopwatch.Frequency);
        _latency.RecordValue(Math.Clamp(micros, 1, MaxLatencyMicroseconds));
    }

    /// <summary>The latency percentiles so far, in milliseconds.</summary>
    public Latencies Latencies()
    {
        var copy = _latency.Copy();
        if (copy.TotalCount == 0)
        {
            return new Latencies(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new Latencies(Ms(copy.GetValueAtPercentile(50)), Ms(copy.GetValueAtPercentile(95)), Ms(copy.GetValueAtPercentile(99)),
            Ms(copy.GetMaxValue()), copy.GetMean() / 1000.0);
    }

    private static double Ms(long micros) => micros / 1000.0;

    private static void InterlockedMin(ref long target, long value)
    {
        for (var current = Interlocked.Read(ref target); value < current; current = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Interlocked.Read(ref target); value > current; current = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}

/// <summary>Latency percentiles in milliseconds (HdrHistogram, 3 significant digits).</summary>
internal sealed record Latencies(double P50, double P95, double P99, double Max, double Mean);
