using Microsoft.Extensions.Options;

namespace OrderActors.Grains;

/// <summary>When a return is authorized without ops.</summary>
public enum ReturnAuthorization
{
    /// <summary>Every return within the window.</summary>
    Always,

    /// <summary>Returns worth at most <see cref="ReturnOptions.AutoAuthorizeUpTo"/>; ops decide the rest.</summary>
    UpToAmount,

    /// <summary>Ops decide every return.</summary>
    Never,
}

/// <summary>Returns and claims options (configuration section <c>OrderActors:Returns</c>).</summary>
public sealed class ReturnOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Returns";

    /// <summary>Days after delivery during which units may be returned. Default 30.</summary>
    public int WindowDays { get; set; } = 30;

    /// <summary>Which returns are authorized without ops. Default <see cref="ReturnAuthorization.UpToAmount"/>.</summary>
    public ReturnAuthorization AutoAuthorize { get; set; } = ReturnAuthorization.UpToAmount;

    /// <summary>With <see cref="ReturnAuthorization.UpToAmount"/>: the largest return value (unit price × units) authorized without ops. Default 100.</summary>
    public decimal AutoAuthorizeUpTo { get; set; } = 100m;

    /// <summary>The carrier of return labels, or null for the cheapest that serves the route. Default null.</summary>
    public string? Carrier { get; set; }

    /// <summary>A shipped parcel not delivered this many days after the promised date may be claimed as lost. Default 7.</summary>
    public int LostParcelDays { get; set; } = 7;
}

internal sealed class ReturnOptionsValidator : IValidateOptions<ReturnOptions>
{
    public ValidateOptionsResult Validate(string? name, ReturnOptions options)
    {
        var errors = new List<string>();
        if (options.WindowDays is < 0 or > 3650)
        {
            errors.Add($"OrderActors:Returns:WindowDays is {options.WindowDays}; it must be between 0 and 3650.");
        }

        if (options.AutoAuthorizeUpTo < 0)
        {
            errors.Add($"OrderActors:Returns:AutoAuthorizeUpTo is {options.AutoAuthorizeUpTo}; it must not be negative.");
        }

        if (!Enum.IsDefined(options.AutoAuthorize))
        {
            errors.Add($"OrderActors:Returns:AutoAuthorize is '{options.AutoAuthorize}'; use Always, UpToAmount or Never.");
        }

        if (options.LostParcelDays is < 0 or > 365)
        {
            errors.Add($"OrderActors:Returns:LostParcelDays is {options.LostParcelDays}; it must be between 0 and 365.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
