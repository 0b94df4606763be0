using Orleans.Runtime;
using Orleans.Storage;

namespace OrderActors.EventLog.State;

/// <summary>
/// The event log's state table as an ordinary Orleans <see cref="IGrainStorage"/>, for <c>[PersistentState]</c> of grains
/// that append no events. On SQLite it replaces Orleans' ADO.NET storage: SQLite has one writer, and every write of
/// the process must queue behind the same lock as the evented writes instead of spinning on the file's lock.
/// </summary>
internal sealed class EventLogGrainStorage(EventedGrainStorage storage) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var (state, etag, exists) = await storage.ReadAsync<T>(grainId, stateName, CancellationToken.None);
        grainState.State = state;
        grainState.ETag = etag;
        grainState.RecordExists = exists;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = await storage.WriteAsync(grainId, stateName, grainState.State, grainState.ETag, [], CancellationToken.None);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = await storage.ClearAsync<T>(grainId, stateName, grainState.ETag, CancellationToken.None);
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }
}
