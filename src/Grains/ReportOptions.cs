using Microsoft.Extensions.Options;

namespace OrderActors.Grains;

/// <summary>Reporting options (configuration section <c>OrderActors:Reports</c>).</summary>
public sealed class ReportOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Reports";

    /// <summary>A SKU without a threshold of its own is low on stock at this many available units or fewer. Default 5.</summary>
    public int LowStockThreshold { get; set; } = 5;
}

internal sealed class ReportOptionsValidator : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
        => options.LowStockThreshold is < 0 or > 1_000_000_000
            ? ValidateOptionsResult.Fail($"OrderActors:Reports:LowStockThreshold is {options.LowStockThreshold}; it must be between 0 and 1000000000.")
            : ValidateOptionsResult.Success;
}
