using OrderActors.Runtime;

namespace OrderActors.Benchmarks;

/// <summary>A grain that does nothing, so that a call to it measures the runtime's message path alone.</summary>
public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Returns <paramref name="value"/> + 1, synchronously.</summary>
    Task<int> PingAsync(int value);
}

/// <summary>Stateless implementation of <see cref="IPingGrain"/>.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    /// <inheritdoc />
    public Task<int> PingAsync(int value) => Task.FromResult(value + 1);
}
