using System.Text;
using OrderActors.Runtime;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Grain storage that fails chosen writes, to test what a storage failure in the middle of a flow leaves behind.</summary>
public sealed class FaultyGrainStorage(IGrainStorage inner, Func<GrainId, string, bool> failWrite) : IGrainStorage
{
    public int Failures { get; private set; }

    public Task<StoredGrainState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken = default)
        => inner.ReadAsync(grainId, stateName, cancellationToken);

    public Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken = default)
    {
        if (failWrite(grainId, Encoding.UTF8.GetString(payload.Span)))
        {
            Failures++;
            throw new IOException($"Injected storage failure writing {stateName} of {grainId}.");
        }

        return inner.WriteAsync(grainId, stateName, payload, expectedVersion, events, cancellationToken);
    }

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken = default)
        => inner.ClearAsync(grainId, stateName, expectedVersion, cancellationToken);
}
