using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Grains.Payments;

/// <summary>
/// A built-in, deterministic payment gateway for development and tests. It keeps no ledger: every answer follows
/// from the call's arguments, so authorize and capture may happen in different processes.
/// </summary>
/// <remarks>
/// <para>Authorization decides by token (case-insensitive):</para>
/// <list type="bullet">
/// <item><c>tok_decline</c> → declined, <c>card_declined</c>.</item>
/// <item><c>tok_insufficient_funds</c> → declined, <c>insufficient_funds</c>.</item>
/// <item><c>tok_fraud</c> → declined, <c>suspected_fraud</c>.</item>
/// <item><c>tok_unavailable</c> → always a transient failure, <c>gateway_unavailable</c>.</item>
/// <item><c>tok_flaky_N</c> (N = 1..9) → a transient failure for the first N attempts with the same idempotency key,
/// then approved.</item>
/// <item>Any other token → approved. No token → approved for <c>cash_on_delivery</c> and <c>invoice</c>, declined
/// <c>missing_token</c> for any other method.</item>
/// <item>An amount of zero or less → declined, <c>invalid_amount</c>, whatever the token: a malformed request is
/// refused for good rather than reported as an outage.</item>
/// </list>
/// <para>
/// References are <c>auth_</c>, <c>cap_</c>, <c>void_</c> or <c>ref_</c> followed by the first 24 hex digits of the
/// SHA-256 of the idempotency key, so a repeated key always gets the same reference. Capture and void accept any
/// reference shaped like an authorization this gateway issues, refund any reference shaped like a capture;
/// anything else is declined <c>unknown_reference</c>. Being stateless, the gateway cannot check that a capture
/// stays within its authorization or that a refund stays within its capture, and it does not check currencies.
/// </para>
/// <para>
/// The one piece of in-memory state is the attempt counter behind <c>tok_flaky_N</c>. A restart resets it, which
/// only makes a flaky token approve later than it would have; it never turns an approval into a decline. The
/// counter holds one entry per idempotency key used with a flaky token and never shrinks, because forgetting a key
/// would make a retry after approval fail again; that is fine for the handful of keys tests use.
/// </para>
/// </remarks>
public sealed class TestPaymentGateway : IPaymentGateway
{
    /// <summary>Prefix of authorization references.</summary>
    public const string AuthorizationPrefix = "auth_";

    /// <summary>Prefix of capture references.</summary>
    public const string CapturePrefix = "cap_";

    /// <summary>Prefix of void references.</summary>
    public const string VoidPrefix = "void_";

    /// <summary>Prefix of refund references.</summary>
    public const string RefundPrefix = "ref_";

    private const int ReferenceHexDigits = 24;
    private const string FlakyTokenPrefix = "tok_flaky_";

    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    // Attempts per idempotency key for flaky tokens; see the remarks for why it is allowed and never shrinks.
    private readonly ConcurrentDictionary<string, int> _flakyAttempts = new(StringComparer.Ordinal);

    // Approved refunds by idempotency key (the first amount): a repeat of a key refunds nothing more.
    private readonly ConcurrentDictionary<string, decimal> _refunds = new(StringComparer.Ordinal);

    /// <summary>How many distinct refunds were approved (one per idempotency key, however often it was repeated).</summary>
    public int RefundCount => _refunds.Count;

    /// <summary>The money the approved refunds gave back, each key counted once.</summary>
    public decimal RefundedTotal => _refunds.Values.Sum();

    /// <inheritdoc />
    public Task<PaymentResult> AuthorizeAsync(string idempotencyKey, string method, string? token, decimal amount, string currency, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        ArgumentNullException.ThrowIfNull(method);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Authorize(idempotencyKey, method, token, amount));
    }

    /// <inheritdoc />
    public Task<PaymentResult> CaptureAsync(string idempotencyKey, string authorization, decimal amount, string currency, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(FollowUp(idempotencyKey, authorization, AuthorizationPrefix, amount, CapturePrefix, "Captured."));
    }

    /// <inheritdoc />
    public Task<PaymentResult> VoidAsync(string idempotencyKey, string authorization, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(FollowUp(idempotencyKey, authorization, AuthorizationPrefix, amount: null, VoidPrefix, "Voided."));
    }

    /// <inheritdoc />
    public Task<PaymentResult> RefundAsync(string idempotencyKey, string capture, decimal amount, string currency, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        var result = FollowUp(idempotencyKey, capture, CapturePrefix, amount, RefundPrefix, "Refunded.");
        if (result.Outcome == PaymentOutcome.Approved)
        {
            _refunds.TryAdd(idempotencyKey, amount);
        }

        return Task.FromResult(result);
    }

    /// <summary>The reference this gateway gives an approved operation: <paramref name="prefix"/> + 24 hex digits of SHA-256(key).</summary>
    public static string Reference(string prefix, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey));
        return prefix + Convert.ToHexStringLower(hash.AsSpan(0, ReferenceHexDigits / 2));
    }

    private PaymentResult Authorize(string idempotencyKey, string method, string? token, decimal amount)
    {
        if (amount <= 0)
        {
            return Declined("invalid_amount", $"The amount must be positive; got {amount.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            return IsTokenless(method)
                ? Approved(AuthorizationPrefix, idempotencyKey, "Authorized.")
                : Declined("missing_token", $"Payment method '{method}' needs a token.");
        }

        switch (token.ToLowerInvariant())
        {
            case "tok_decline":
                return Declined("card_declined", "The card was declined.");
            case "tok_insufficient_funds":
                return Declined("insufficient_funds", "The card has insufficient funds.");
            case "tok_fraud":
                return Declined("suspected_fraud", "The payment was refused as suspected fraud.");
            case "tok_unavailable":
                return Unavailable();
            default:
                break;
        }

        if (TryParseFlakyFailures(token, out var failures))
        {
            // Counts up to one past the failures and stays there, so later retries keep getting the approval.
            var attempt = _flakyAttempts.AddOrUpdate(idempotencyKey, 1, (_, seen) => Math.Min(seen + 1, failures + 1));
            if (attempt <= failures)
            {
                return Unavailable();
            }
        }

        return Approved(AuthorizationPrefix, idempotencyKey, "Authorized.");
    }

    private static PaymentResult FollowUp(string idempotencyKey, string reference, string expectedPrefix, decimal? amount, string resultPrefix, string message)
    {
        if (amount is <= 0)
        {
            return Declined("invalid_amount", $"The amount must be positive; got {amount.Value.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!IsReference(reference, expectedPrefix))
        {
            return Declined("unknown_reference", $"'{reference}' is not a reference this gateway issued (expected '{expectedPrefix}…').");
        }

        return Approved(resultPrefix, idempotencyKey, message);
    }

    // A reference the gateway could have produced: the prefix and exactly 24 lower-case hex digits.
    private static bool IsReference(string? reference, string prefix) =>
        reference is not null
        && reference.Length == prefix.Length + ReferenceHexDigits
        && reference.StartsWith(prefix, StringComparison.Ordinal)
        && !reference.AsSpan(prefix.Length).ContainsAnyExcept(LowerHexDigits);

    private static bool IsTokenless(string method) =>
        string.Equals(method, "cash_on_delivery", StringComparison.OrdinalIgnoreCase)
        || string.Equals(method, "invoice", StringComparison.OrdinalIgnoreCase);

    private static bool TryParseFlakyFailures(string token, out int failures)
    {
        failures = 0;
        if (token.Length != FlakyTokenPrefix.Length + 1 || !token.StartsWith(FlakyTokenPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var digit = token[^1];
        if (digit is < '1' or > '9')
        {
            return false;
        }

        failures = digit - '0';
        return true;
    }

    private static PaymentResult Approved(string prefix, string idempotencyKey, string message) =>
        new(PaymentOutcome.Approved, Reference(prefix, idempotencyKey), null, message);

    private static PaymentResult Declined(string reason, string message) =>
        new(PaymentOutcome.Declined, null, reason, message);

    private static PaymentResult Unavailable() =>
        new(PaymentOutcome.TransientFailure, null, "gateway_unavailable", "The gateway is unavailable; retry later.");
}
