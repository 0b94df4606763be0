namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// Real time moved on by however much a test jumped it: unlike a fake clock it keeps running, so an API host's timers
/// and stream agents go on as they would, and a test can still make an hour pass at once (an idle cart abandoned).
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>How far ahead of real time it is.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Jumps ahead.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
