using Microsoft.Extensions.Options;

namespace OrderActors.Grains;

/// <summary>Reporting options (configuration section <c>OrderActors:Reports</c>).</summary>
public sealed class ReportOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Reports";

    /// <summary>A SKU without a threshold of its own is low on stock at this many available units or fewer. Default 5.</summary>
    public int LowStockThreshold { get; set; } = 5;

    /// <summary>
    /// The most orders one call of the order list reads to fill a page (default 10,000): a filter that matches few of
    /// them answers a shorter page (even an empty one) with a cursor to continue from, rather than read the whole history
    /// in one call. A customer filter reads that customer's orders only.
    /// </summary>
    public int OrderListScanLimit { get; set; } = 10_000;
}

internal sealed class ReportOptionsValidator : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
        => options.LowStockThreshold is < 0 or > 1_000_000_000
            ? ValidateOptionsResult.Fail($"OrderActors:Reports:LowStockThreshold is {options.LowStockThreshold}; it must be between 0 and 1000000000.")
            : options.OrderListScanLimit is < 1 or > 10_000_000
            ? ValidateOptionsResult.Fail($"OrderActors:Reports:OrderListScanLimit is {options.OrderListScanLimit}; it must be between 1 and 10000000.")
            : ValidateOptionsResult.Success;
}
