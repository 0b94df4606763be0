using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Payments;

/// <summary>
/// Calls the payment gateway for an order, retrying transient failures with doubling delays. Every call is keyed
/// (order id + operation), so a retry, or a repeat after a crash, moves money at most once.
/// </summary>
public sealed class PaymentProcessor(IPaymentGateway gateway, IOptions<OrderOptions> options, TimeProvider time)
{
    /// <summary>Authorizes the order's amount; <paramref name="request"/> (a hash of the placement) keeps a reused order id apart.</summary>
    public Task<PaymentResult> AuthorizeAsync(string orderId, string request, string method, string? token, decimal amount, string currency)
        => RetryAsync(() => gateway.AuthorizeAsync($"{orderId}:{request}:authorize", method, token, amount, currency));

    /// <summary>Captures an authorization; <paramref name="attempt"/> changes after a decline, so a later try is a new operation.</summary>
    public Task<PaymentResult> CaptureAsync(string orderId, int attempt, string authorization, decimal amount, string currency)
        => RetryAsync(() => gateway.CaptureAsync($"{orderId}:capture:{attempt}", authorization, amount, currency));

    /// <summary>Voids an authorization; <paramref name="purpose"/> keeps voids of different authorizations of one order apart (an edit's).</summary>
    public Task<PaymentResult> VoidAsync(string orderId, string authorization, string? purpose = null)
        => RetryAsync(() => gateway.VoidAsync(purpose is null ? $"{orderId}:void" : $"{orderId}:void:{purpose}", authorization));

    /// <summary>Refunds part of a capture; <paramref name="purpose"/> keeps separate refunds of one order apart.</summary>
    public Task<PaymentResult> RefundAsync(string orderId, string purpose, string capture, decimal amount, string currency)
        => RetryAsync(() => gateway.RefundAsync($"{orderId}:refund:{purpose}", capture, amount, currency));

    private async Task<PaymentResult> RetryAsync(Func<Task<PaymentResult>> call)
    {
        var delay = options.Value.PaymentRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            var result = await call();
            if (result.Outcome != PaymentOutcome.TransientFailure || attempt >= options.Value.PaymentAttempts)
            {
                return result;
            }

            await Task.Delay(delay, time);
            delay *= 2;
        }
    }
}
