using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Tests.Cluster;

public sealed record ProbeDocument(string Name, decimal Amount, DateTimeOffset At, IReadOnlyList<int> Numbers, IReadOnlyDictionary<string, string> Tags, DayOfWeek Day);

public interface IClusterProbeGrain : IGrainWithStringKey
{
    /// <summary>The address of the silo the activation runs on.</summary>
    Task<string> WhereAsync();

    Task<int> AddAsync(int a, int b);

    Task<string?> EchoAsync(string? text);

    Task NothingAsync();

    Task<ProbeDocument?> DocumentAsync(ProbeDocument? document);

    Task<byte[]> BlobAsync(int size);

    Task<int> LengthAsync(string text);

    Task ThrowDomainAsync(string code);

    Task ThrowArgumentAsync(string message);

    Task ThrowUnknownAsync();

    Task<int> SlowAsync(int delayMs);

    Task RecordAsync(int value);

    Task<int[]> RecordedAsync();
}

[GrainType("test-cluster-probe")]
public sealed class ClusterProbeGrain(Silo silo) : Grain, IClusterProbeGrain
{
    private readonly List<int> _recorded = [];

    public Task<string> WhereAsync() => Task.FromResult(silo.Address!.ToString());

    public Task<int> AddAsync(int a, int b) => Task.FromResult(a + b);

    public Task<string?> EchoAsync(string? text) => Task.FromResult(text);

    public Task NothingAsync() => Task.CompletedTask;

    public Task<ProbeDocument?> DocumentAsync(ProbeDocument? document) => Task.FromResult(document);

    public Task<byte[]> BlobAsync(int size) => Task.FromResult(Enumerable.Range(0, size).Select(i => (byte)(i * 31)).ToArray());

    public Task<int> LengthAsync(string text) => Task.FromResult(text.Length);

    public Task ThrowDomainAsync(string code) => throw DomainException.Conflict(code, $"conflict {code}");

    public Task ThrowArgumentAsync(string message) => throw new ArgumentException(message, nameof(message));

    public Task ThrowUnknownAsync() => throw new ProbeOnlyException(7);

    public async Task<int> SlowAsync(int delayMs)
    {
        await Task.Delay(delayMs);
        return delayMs;
    }

    public Task RecordAsync(int value)
    {
        _recorded.Add(value);
        return Task.CompletedTask;
    }

    public Task<int[]> RecordedAsync() => Task.FromResult(_recorded.ToArray());

    private sealed class ProbeOnlyException(int code) : Exception($"probe failure {code}");
}
