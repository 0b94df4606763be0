namespace OrderActors.EventLog.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it holds or <paramref name="within"/> passes, then fails with <paramref name="what"/>.</summary>
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> holds, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T last;
        do
        {
            last = await probe();
            if (holds(last))
            {
                return last;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"Expected {what} within {within ?? TimeSpan.FromSeconds(30)}; last observed: {Describe(last)}");
    }

    private static string Describe<T>(T value) => value is System.Collections.IEnumerable items and not string
        ? $"[{string.Join(", ", items.Cast<object>())}]"
        : value?.ToString() ?? "null";
}
