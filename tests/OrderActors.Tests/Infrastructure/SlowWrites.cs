using OrderActors.Runtime;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Slows down the state writes of the given grain types, so that their stream subscriptions fall behind.</summary>
public sealed class SlowWrites(IGrainStorage inner, IReadOnlyCollection<string> grainTypes, TimeSpan delay) : IGrainStorage
{
    public Task<StoredGrainState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken = default)
        => inner.ReadAsync(grainId, stateName, cancellationToken);

    public async Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken = default)
    {
        if (grainTypes.Contains(grainId.Type))
        {
            await Task.Delay(delay, CancellationToken.None);
        }

        return await inner.WriteAsync(grainId, stateName, payload, expectedVersion, events, cancellationToken);
    }

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken = default)
        => inner.ClearAsync(grainId, stateName, expectedVersion, cancellationToken);
}
