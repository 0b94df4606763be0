using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Webhooks;

/// <summary>Outgoing webhook options (configuration section <c>OrderActors:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Webhooks";

    /// <summary>Wait after the first failed attempt; it doubles with each failure in a row. Default 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts. Default 5 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a receiver has to answer. Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed attempts in a row after which a delivery is marked failed (it can still be redelivered). Default 10.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Deliveries kept per endpoint: beyond this the oldest delivered or failed ones are dropped (never pending ones). Default 1000.</summary>
    public int DeliveryLogLimit { get; set; } = 1000;

    /// <summary>
    /// Whether webhooks may go to loopback, private, link-local, unspecified, shared (CGNAT) and other non-public
    /// addresses. Off by default: such urls are refused at registration and update, and the sender refuses to connect
    /// to such an address at send time. Development turns it on for local receivers.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// How long the secrets a rotation replaces keep signing deliveries beside the new one when the request names no
    /// overlap: receivers switch to the new secret within it. Default 24 hours; at most 7 days.
    /// </summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The wait before the attempt that follows <paramref name="failuresInARow"/> failures (at least 1).</summary>
    public TimeSpan Backoff(int failuresInARow)
    {
        var exponent = Math.Clamp(failuresInARow - 1, 0, 40);
        var ticks = RetryBaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxRetryDelay.Ticks ? MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        if (options.RetryBaseDelay < TimeSpan.FromMilliseconds(10) || options.RetryBaseDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"OrderActors:Webhooks:RetryBaseDelay is {options.RetryBaseDelay}; it must be between 10 ms and 1 hour.");
        }

        if (options.MaxRetryDelay < options.RetryBaseDelay || options.MaxRetryDelay > TimeSpan.FromDays(1))
        {
            errors.Add($"OrderActors:Webhooks:MaxRetryDelay is {options.MaxRetryDelay}; it must be at least RetryBaseDelay ({options.RetryBaseDelay}) and at most 1 day.");
        }

        if (options.Timeout < TimeSpan.FromMilliseconds(100) || options.Timeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"OrderActors:Webhooks:Timeout is {options.Timeout}; it must be between 100 ms and 5 minutes.");
        }

        if (options.MaxAttempts is < 1 or > 1000)
        {
            errors.Add($"OrderActors:Webhooks:MaxAttempts is {options.MaxAttempts}; it must be between 1 and 1000.");
        }

        if (options.DeliveryLogLimit is < 10 or > 100_000)
        {
            errors.Add($"OrderActors:Webhooks:DeliveryLogLimit is {options.DeliveryLogLimit}; it must be between 10 and 100000.");
        }

        if (options.SecretRotationOverlap < TimeSpan.Zero || options.SecretRotationOverlap > WebhookSecretRotations.MaxOverlap)
        {
            errors.Add($"OrderActors:Webhooks:SecretRotationOverlap is {options.SecretRotationOverlap}; it must be between 0 and {WebhookSecretRotations.MaxOverlap.TotalDays:0} days.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
