namespace OrderActors.Grains.Payments;

/// <summary>How a gateway answered.</summary>
public enum PaymentOutcome
{
    /// <summary>Done.</summary>
    Approved,

    /// <summary>Refused for good (card declined, fraud suspected); retrying will not help.</summary>
    Declined,

    /// <summary>The gateway could not answer now (timeout, outage); the same call may succeed later.</summary>
    TransientFailure,
}

/// <summary>A gateway's answer.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Reference">The gateway's id for this operation (authorization, capture, refund), when approved.</param>
/// <param name="Reason">A machine-readable reason when not approved, e.g. <c>insufficient_funds</c>.</param>
/// <param name="Message">A human-readable explanation.</param>
public sealed record PaymentResult(PaymentOutcome Outcome, string? Reference, string? Reason, string? Message);

/// <summary>
/// The payment-gateway port. Every call carries an idempotency key: the gateway must treat a repeated key as the
/// same operation (same answer, money moved once), so callers may retry after a transient failure or a crash.
/// </summary>
public interface IPaymentGateway
{
    /// <summary>Authorizes (holds) an amount on the customer's payment method.</summary>
    Task<PaymentResult> AuthorizeAsync(string idempotencyKey, string method, string? token, decimal amount, string currency, CancellationToken cancellationToken = default);

    /// <summary>Captures an authorized amount (at most what was authorized).</summary>
    Task<PaymentResult> CaptureAsync(string idempotencyKey, string authorization, decimal amount, string currency, CancellationToken cancellationToken = default);

    /// <summary>Voids an authorization that was not captured.</summary>
    Task<PaymentResult> VoidAsync(string idempotencyKey, string authorization, CancellationToken cancellationToken = default);

    /// <summary>Refunds part or all of a capture.</summary>
    Task<PaymentResult> RefundAsync(string idempotencyKey, string capture, decimal amount, string currency, CancellationToken cancellationToken = default);
}
