namespace OrderActors.Runtime.Persistence;

/// <summary>Grain storage in process memory, for fast unit tests only: nothing survives the process.</summary>
public sealed class MemoryGrainStorage : IGrainStorage, IStorageInitializer, IStreamReader
{
    private readonly Dictionary<(GrainId, string), StoredGrainState> _records = [];
    private readonly List<StreamEvent> _events = []; // position n is at index n - 1
    private readonly Dictionary<StreamId, List<StreamEvent>> _streams = [];

    /// <inheritdoc />
    public Task<StoredGrainState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            return Task.FromResult(_records.GetValueOrDefault((grainId, stateName)));
        }
    }

    /// <inheritdoc />
    public Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            var version = Swap(grainId, stateName, payload.ToArray(), expectedVersion);
            foreach (var pending in events)
            {
                if (!_streams.TryGetValue(pending.Stream, out var stream))
                {
                    _streams[pending.Stream] = stream = [];
                }

                var appended = new StreamEvent(_events.Count + 1, pending.Stream, stream.Count + 1, pending.Type, pending.Payload, DateTimeOffset.UtcNow);
                _events.Add(appended);
                stream.Add(appended);
            }

            return Task.FromResult(version);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamEvent>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            var start = (int)Math.Clamp(afterPosition, 0, _events.Count);
            return Task.FromResult<IReadOnlyList<StreamEvent>>(_events.GetRange(start, Math.Min(limit, _events.Count - start)).ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamEvent>> ReadStreamAsync(StreamId stream, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            var events = _streams.GetValueOrDefault(stream) ?? [];
            var start = (int)Math.Clamp(afterSequence, 0, events.Count);
            return Task.FromResult<IReadOnlyList<StreamEvent>>(events.GetRange(start, Math.Min(limit, events.Count - start)).ToArray());
        }
    }

    /// <summary>The position of the last event appended; 0 when there is none.</summary>
    internal long LastPosition
    {
        get
        {
            lock (_records)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>The sequence of the last event of <paramref name="stream"/>; 0 when there is none.</summary>
    internal long LastSequence(StreamId stream)
    {
        lock (_records)
        {
            return _streams.GetValueOrDefault(stream)?.Count ?? 0;
        }
    }

    /// <inheritdoc />
    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken = default)
        => Task.FromResult(Swap(grainId, stateName, null, expectedVersion));

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);

    private long Swap(GrainId grainId, string stateName, byte[]? payload, long expectedVersion)
    {
        lock (_records)
        {
            var current = _records.GetValueOrDefault((grainId, stateName))?.Version ?? 0;
            if (current != expectedVersion)
            {
                throw StorageConflict.Create(grainId, stateName, expectedVersion, current);
            }

            if (current == 0 && payload is null)
            {
                return 0; // clearing a record that never existed changes nothing, as in the SQL storage
            }

            _records[(grainId, stateName)] = new StoredGrainState(current + 1, payload);
            return current + 1;
        }
    }
}

internal static class StorageConflict
{
    public static InconsistentStateException Create(GrainId grainId, string stateName, long expected, long? stored)
        => new(
            $"State '{stateName}' of grain {grainId} was written by someone else: this activation expected version {expected}" +
            (stored is { } s ? $", storage holds {s}." : ", storage holds another."),
            stored?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
