using Microsoft.Extensions.Options;

namespace OrderActors.Grains;

/// <summary>Cart options (configuration section <c>OrderActors:Carts</c>).</summary>
public sealed class CartOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Carts";

    /// <summary>
    /// A cart that holds items and is not changed or completed for this long is abandoned (event <c>cart.abandoned</c>,
    /// counted in the KPI report's cart abandonment rate). Default 1 hour, the delay storefronts commonly wait before a
    /// cart-recovery message; at least 1 minute (Orleans reminders tick no faster).
    /// </summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class CartOptionsValidator : IValidateOptions<CartOptions>
{
    public ValidateOptionsResult Validate(string? name, CartOptions options)
        => options.AbandonedAfter < TimeSpan.FromMinutes(1) || options.AbandonedAfter > TimeSpan.FromDays(90)
            ? ValidateOptionsResult.Fail($"OrderActors:Carts:AbandonedAfter is {options.AbandonedAfter}; it must be between 1 minute and 90 days.")
            : ValidateOptionsResult.Success;
}
