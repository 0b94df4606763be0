namespace OrderActors.EventLog;

/// <summary>
/// Coalesces the state writes of a grain whose requests interleave: while one write is in flight, every write asked
/// for meanwhile joins the next one, which starts when the first ends and carries all their changes. So a hot grain
/// makes one write per round trip to the database, however many requests changed it in between.
/// </summary>
/// <remarks>
/// <para>
/// A caller's task completes when a write that began after its change has committed: answer only then, and an
/// acknowledged change is durable. The write delegate must capture the state when it is called, before its first
/// await, as <see cref="IEventedState{TState}"/> does (events appended after that go with the next write).
/// </para>
/// <para>
/// Use it from the grain's own scheduler only, like the rest of the grain's state; it takes no lock. After a failed
/// write, the activation's memory holds changes storage may not: that write's callers, every caller waiting for the
/// next one and every later caller get the failure (<see cref="IEventedState{TState}"/> also deactivates the grain).
/// </para>
/// </remarks>
/// <param name="write">Writes the grain's state, e.g. <c>() =&gt; state.WriteStateAsync()</c>.</param>
public sealed class WriteCoalescer(Func<Task> write)
{
    private bool _writing;
    private TaskCompletionSource? _next;
    private Exception? _failure;

    /// <summary>Whether a write is in flight: a change made now is written by the next one.</summary>
    public bool IsWriting => _writing;

    /// <summary>Writes the state now, or with the next write if one is in flight; completes when that write has committed.</summary>
    public Task WriteAsync()
    {
        if (_failure is not null)
        {
            return Task.FromException(_failure);
        }

        return _writing ? (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : RunAsync();
    }

    private async Task RunAsync()
    {
        _writing = true;
        try
        {
            await write();
        }
        catch (Exception ex)
        {
            _failure = ex;
            _next?.TrySetException(ex);
            _next = null;
            throw;
        }
        finally
        {
            _writing = false;
        }

        if (_next is { } waiting)
        {
            _next = null;
            _ = WriteForAsync(waiting);
        }
    }

    private async Task WriteForAsync(TaskCompletionSource waiting)
    {
        try
        {
            await RunAsync();
            waiting.TrySetResult();
        }
        catch (Exception ex)
        {
            waiting.TrySetException(ex);
        }
    }
}
