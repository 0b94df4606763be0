using System.Collections.Concurrent;

namespace OrderActors.Runtime.Scheduling;

/// <summary>
/// A single-threaded task scheduler per activation: every task of the activation (the start of a request
/// and every continuation after an await) runs one at a time, in order, on thread-pool threads.
/// </summary>
/// <remarks>
/// This is what makes grain code safe without locks even when a request awaits several calls at once:
/// continuations capture <see cref="TaskScheduler.Current"/> and come back here. The scheduler occupies at
/// most one thread-pool work item at a time and yields the thread after a batch so that one busy
/// activation cannot starve the others.
/// </remarks>
internal sealed class ActivationTaskScheduler : TaskScheduler, IThreadPoolWorkItem
{
    private const int BatchSize = 64;

    [ThreadStatic]
    private static ActivationTaskScheduler? _running;

    private readonly ConcurrentQueue<Task> _queue = new();
    private int _scheduled;

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task)
    {
        _queue.Enqueue(task);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    public void Execute()
    {
        _running = this;
        try
        {
            for (var i = 0; i < BatchSize && _queue.TryDequeue(out var task); i++)
            {
                TryExecuteTask(task);
            }
        }
        finally
        {
            _running = null;
        }

        // A full fence, not a release store: the emptiness check below must not be satisfied before the reset is
        // visible, or a task queued in between (whose QueueTask still saw 1) is stranded with nothing scheduled.
        Interlocked.Exchange(ref _scheduled, 0);
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    // Inline only when already on this scheduler's turn: that keeps the activation single-threaded.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
        => _running == this && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();
}
