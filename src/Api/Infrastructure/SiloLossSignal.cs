using Orleans.Runtime;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// In client mode, tells calls in flight that a silo left: the connection to one of its gateways closed (every silo
/// of an OrderActors cluster is a gateway, and a SIGKILLed process closes its sockets at once).
/// </summary>
/// <remarks>
/// A request the client sent through a gateway, or that a gateway forwarded to a silo that then died, gets no
/// response: Orleans' client would wait for the call's own timeout (30 s for a placement). With
/// <see cref="SiloLossCallFilter"/>, every call that was in flight when a gateway connection closed ends at once with
/// <see cref="SiloUnavailableException"/>, which the API answers as 503 <c>outcome-unknown</c>; a retry with the same
/// Idempotency-Key finds out what happened. A call that was not affected after all answers 503 too: retrying it is
/// safe, waiting 30 s for it is not what a storefront wants.
/// </remarks>
internal sealed class SiloLossSignal
{
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next gateway connection closes.</summary>
    public Task Next => Volatile.Read(ref _lost).Task;

    /// <summary>Orleans' handler for gateway count changes: a fall means a connection closed.</summary>
    public void OnGatewayCountChanged(object? sender, GatewayCountChangedEventArgs e)
    {
        if (e.NumberOfConnectedGateways < e.PreviousNumberOfConnectedGateways)
        {
            Interlocked.Exchange(ref _lost, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}

/// <summary>Ends every client call in flight when <see cref="SiloLossSignal"/> fires (see there).</summary>
internal sealed class SiloLossCallFilter(SiloLossSignal signal) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var lost = signal.Next;
        var call = context.Invoke();
        if (call.IsCompleted || await Task.WhenAny(call, lost) == call)
        {
            await call;
            return;
        }

        // The call may still complete; nobody waits for it any more, but its failure must not go unobserved.
        _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new SiloUnavailableException(
            $"A silo left the cluster while {context.InterfaceName}.{context.MethodName} was in flight: its outcome is unknown.");
    }
}
