using System.Diagnostics;

namespace OrderActors.Benchmarks.Load;

/// <summary>Sends request number <c>n</c>, due at Stopwatch timestamp <c>intendedStart</c>.</summary>
internal delegate Task SendRequest(long n, long intendedStart);

/// <summary>Records request number <c>n</c>, due at <c>intendedStart</c>, as not sent, for the reason given.</summary>
internal delegate void RejectRequest(long n, long intendedStart, string reason);

/// <summary>
/// How requests are issued. Closed model: <c>workers</c> loops, each sending its next request when the previous one
/// is answered, so a slow server slows the offered load (and hides its own queueing). Open model: requests fall due
/// at a constant rate whatever the server does, and each is timed from when it was due, so queueing shows in the
/// latency instead of being omitted.
/// </summary>
internal static class LoadDrivers
{
    /// <summary>Requests later than this behind their due time are not sent but counted as errors: the generator itself fell behind.</summary>
    private static readonly long LateLimit = Stopwatch.Frequency;

    /// <summary>Closed model: until <paramref name="count"/> requests are sent, or until <paramref name="stopAt"/> when there is no count.</summary>
    public static Task ClosedAsync(int workers, long? count, long stopAt, SendRequest send)
    {
        var next = -1L;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                var started = Stopwatch.GetTimestamp();
                if (count is { } total ? n >= total : started >= stopAt)
                {
                    return;
                }

                await send(n, started);
            }
        })));
    }

    /// <summary>
    /// Open model: request <c>n</c> falls due at <paramref name="startAt"/> + n / <paramref name="rate"/> seconds, until
    /// <paramref name="count"/> requests (or <paramref name="stopAt"/>). One due while <paramref name="maxOutstanding"/>
    /// are in flight is dropped, and one the generator could not send within a second of its due time is late; both
    /// go to <paramref name="reject"/>.
    /// </summary>
    public static async Task OpenAsync(double rate, int maxOutstanding, long? count, long startAt, long stopAt, SendRequest send, RejectRequest reject)
    {
        var outstanding = 0;
        var inFlight = new List<Task>();
        for (var n = 0L; ; n++)
        {
            var due = startAt + (long)(n * (Stopwatch.Frequency / rate));
            if (count is { } total ? n >= total : due >= stopAt)
            {
                break;
            }

            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                // Timers wake at millisecond granularity at best; requests due meanwhile are sent together on waking.
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            }

            if (Stopwatch.GetTimestamp() - due > LateLimit)
            {
                reject(n, due, "late");
                continue;
            }

            if (Volatile.Read(ref outstanding) >= maxOutstanding)
            {
                reject(n, due, "dropped");
                continue;
            }

            Interlocked.Increment(ref outstanding);
            inFlight.Add(SendAndRelease(n, due));
        }

        await Task.WhenAll(inFlight);

        async Task SendAndRelease(long n, long due)
        {
            try
            {
                await send(n, due);
            }
            finally
            {
                Interlocked.Decrement(ref outstanding);
            }
        }
    }
}
