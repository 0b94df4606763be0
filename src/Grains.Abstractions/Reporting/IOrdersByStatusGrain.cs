namespace OrderActors.Grains.Reporting;

/// <summary>Orders by status and by channel, live from the orders streams. Key: <c>default</c>.</summary>
[Alias("OrderActors.Grains.Reporting.IOrdersByStatusGrain")]
public interface IOrdersByStatusGrain : IGrainWithStringKey
{
    /// <summary>The report as of the projection's checkpoint.</summary>
    [Alias("GetAsync")]
    Task<OrdersByStatusReport> GetAsync();
}

/// <summary>How many orders are in each status, overall and per sales channel.</summary>
/// <param name="Checkpoint">The global position the report includes.</param>
/// <param name="Total">Orders counted.</param>
/// <param name="ByStatus">Orders per status.</param>
/// <param name="ByChannel">Orders per channel, then per status.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.OrdersByStatusReport")]
public sealed record OrdersByStatusReport(
    long Checkpoint,
    int Total,
    IReadOnlyDictionary<string, int> ByStatus,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> ByChannel);
