using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Payments;

namespace OrderActors.Tests.Domain;

public sealed class PaymentGatewayTests
{
    private readonly TestPaymentGateway _gateway = new();

    private Task<PaymentResult> Authorize(string key, string? token, decimal amount = 25.00m, string method = "card") =>
        _gateway.AuthorizeAsync(key, method, token, amount, "USD");

    private static void Expect(PaymentResult result, PaymentOutcome outcome, string? reason, string because)
    {
        Assert.True(
            result.Outcome == outcome && result.Reason == reason,
            $"{because}: expected {outcome} ({reason ?? "no reason"}), got {result.Outcome} ({result.Reason ?? "no reason"}): {result.Message}");
        if (outcome == PaymentOutcome.Approved)
        {
            Assert.False(string.IsNullOrEmpty(result.Reference), $"{because}: an approval must carry a reference");
        }
        else
        {
            Assert.True(result.Reference is null, $"{because}: a refusal must carry no reference, got '{result.Reference}'");
        }
    }

    [Theory]
    [InlineData("tok_decline", "card_declined")]
    [InlineData("tok_insufficient_funds", "insufficient_funds")]
    [InlineData("tok_fraud", "suspected_fraud")]
    [InlineData("TOK_DECLINE", "card_declined")]
    [InlineData("Tok_Fraud", "suspected_fraud")]
    public async Task Declining_tokens_are_declined_with_their_reason_every_time(string token, string reason)
    {
        Expect(await Authorize("k1", token), PaymentOutcome.Declined, reason, $"{token} must decline");
        Expect(await Authorize("k1", token), PaymentOutcome.Declined, reason, $"{token} retried with the same key must decline again");
    }

    [Fact]
    public async Task The_unavailable_token_always_fails_transiently()
    {
        for (var attempt = 1; attempt <= 20; attempt++)
        {
            Expect(await Authorize("k1", "tok_unavailable"), PaymentOutcome.TransientFailure, "gateway_unavailable", $"tok_unavailable attempt {attempt} must fail transiently");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    public async Task A_flaky_token_fails_exactly_N_times_per_key_then_approves_with_a_stable_reference(int failures)
    {
        var token = $"tok_flaky_{failures}";
        for (var attempt = 1; attempt <= failures; attempt++)
        {
            Expect(await Authorize("order-1", token), PaymentOutcome.TransientFailure, "gateway_unavailable", $"{token} attempt {attempt} of {failures} must fail transiently");
        }

        var approved = await Authorize("order-1", token);
        Expect(approved, PaymentOutcome.Approved, null, $"{token} must approve on attempt {failures + 1}");
        var again = await Authorize("order-1", token);
        Expect(again, PaymentOutcome.Approved, null, $"{token} must keep approving once approved");
        Assert.True(approved.Reference == again.Reference, $"a retried approval must keep reference {approved.Reference}, got {again.Reference}");
        Assert.True(
            approved.Reference == TestPaymentGateway.Reference(TestPaymentGateway.AuthorizationPrefix, "order-1"),
            $"the flaky approval's reference must be the key's deterministic reference, got {approved.Reference}");
    }

    [Fact]
    public async Task Flaky_attempts_are_counted_per_key()
    {
        Expect(await Authorize("order-1", "tok_flaky_2"), PaymentOutcome.TransientFailure, "gateway_unavailable", "order-1 attempt 1 must fail");
        Expect(await Authorize("order-2", "tok_flaky_2"), PaymentOutcome.TransientFailure, "gateway_unavailable", "order-2 attempt 1 must fail despite order-1's attempt");
        Expect(await Authorize("order-1", "tok_flaky_2"), PaymentOutcome.TransientFailure, "gateway_unavailable", "order-1 attempt 2 must fail");
        Expect(await Authorize("order-1", "tok_flaky_2"), PaymentOutcome.Approved, null, "order-1 attempt 3 must approve");
        Expect(await Authorize("order-2", "tok_flaky_2"), PaymentOutcome.TransientFailure, "gateway_unavailable", "order-2 attempt 2 must still fail after order-1 approved");
        Expect(await Authorize("order-2", "tok_flaky_2"), PaymentOutcome.Approved, null, "order-2 attempt 3 must approve");
    }

    [Fact]
    public async Task Flaky_counters_live_in_one_gateway_instance_so_a_new_instance_starts_over()
    {
        Expect(await Authorize("order-1", "tok_flaky_1"), PaymentOutcome.TransientFailure, "gateway_unavailable", "the first attempt must fail");
        Expect(await Authorize("order-1", "tok_flaky_1"), PaymentOutcome.Approved, null, "the second attempt must approve");
        var restarted = new TestPaymentGateway();
        var result = await restarted.AuthorizeAsync("order-1", "card", "tok_flaky_1", 25m, "USD");
        Expect(result, PaymentOutcome.TransientFailure, "gateway_unavailable", "a restarted gateway has forgotten the attempts, so the token fails once more");
    }

    [Theory]
    [InlineData("tok_flaky_0")]
    [InlineData("tok_flaky_10")]
    [InlineData("tok_flaky_x")]
    [InlineData("tok_visa")]
    [InlineData("pm_123")]
    public async Task Other_tokens_approve(string token) =>
        Expect(await Authorize("k1", token), PaymentOutcome.Approved, null, $"'{token}' is not a special token and must approve");

    [Theory]
    [InlineData("cash_on_delivery")]
    [InlineData("invoice")]
    [InlineData("INVOICE")]
    public async Task Tokenless_methods_approve_without_a_token(string method)
    {
        Expect(await Authorize("k1", null, method: method), PaymentOutcome.Approved, null, $"{method} with no token must approve");
        Expect(await Authorize("k2", "", method: method), PaymentOutcome.Approved, null, $"{method} with an empty token must approve");
    }

    [Fact]
    public async Task A_tokenless_method_with_a_declining_token_is_still_declined() =>
        Expect(await Authorize("k1", "tok_decline", method: "invoice"), PaymentOutcome.Declined, "card_declined", "a given token decides, whatever the method");

    [Theory]
    [InlineData("card", null)]
    [InlineData("card", "")]
    [InlineData("card", "   ")]
    [InlineData("wallet", null)]
    public async Task Card_like_methods_without_a_token_are_declined(string method, string? token) =>
        Expect(await Authorize("k1", token, method: method), PaymentOutcome.Declined, "missing_token", $"{method} without a token must decline");

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_non_positive_amount_is_declined_whatever_the_token(int amount)
    {
        Expect(await Authorize("k1", "tok_visa", amount), PaymentOutcome.Declined, "invalid_amount", $"an authorization of {amount} must decline");
        Expect(await Authorize("k1", "tok_unavailable", amount), PaymentOutcome.Declined, "invalid_amount", "a malformed request is refused before the outage token applies");
        Expect(await Authorize("k1", null, amount, "invoice"), PaymentOutcome.Declined, "invalid_amount", "a tokenless method must not approve a non-positive amount");
    }

    [Fact]
    public async Task The_same_key_gets_the_same_reference_and_different_keys_different_ones()
    {
        var first = await Authorize("order-1", "tok_visa");
        var again = await new TestPaymentGateway().AuthorizeAsync("order-1", "card", "tok_visa", 25m, "USD");
        var other = await Authorize("order-2", "tok_visa");
        Assert.True(first.Reference == again.Reference, $"the same key must give the same reference even from another instance: {first.Reference} vs {again.Reference}");
        Assert.True(first.Reference != other.Reference, $"different keys must give different references, both got {first.Reference}");
        Assert.Matches("^auth_[0-9a-f]{24}$", first.Reference);
    }

    [Fact]
    public async Task Capture_void_and_refund_follow_a_real_authorization_with_deterministic_references()
    {
        var authorization = (await Authorize("order-1", "tok_visa")).Reference!;

        var capture = await _gateway.CaptureAsync("order-1:capture", authorization, 25m, "USD");
        Expect(capture, PaymentOutcome.Approved, null, "capturing an issued authorization must approve");
        Assert.Matches("^cap_[0-9a-f]{24}$", capture.Reference);
        Assert.True(capture == await _gateway.CaptureAsync("order-1:capture", authorization, 25m, "USD"), "a retried capture must give the same answer");

        var refund = await _gateway.RefundAsync("order-1:refund", capture.Reference!, 10m, "USD");
        Expect(refund, PaymentOutcome.Approved, null, "refunding an issued capture must approve");
        Assert.Matches("^ref_[0-9a-f]{24}$", refund.Reference);
        Assert.True(refund == await _gateway.RefundAsync("order-1:refund", capture.Reference!, 10m, "USD"), "a retried refund must give the same answer");

        var voided = await _gateway.VoidAsync("order-1:void", authorization);
        Expect(voided, PaymentOutcome.Approved, null, "voiding an issued authorization must approve");
        Assert.Matches("^void_[0-9a-f]{24}$", voided.Reference);
        Assert.True(voided == await new TestPaymentGateway().VoidAsync("order-1:void", authorization), "a void retried after a restart must give the same answer");
    }

    [Theory]
    [InlineData("")]
    [InlineData("ch_123")]
    [InlineData("auth_")]
    [InlineData("auth_123")]
    [InlineData("auth_ZZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("cap_0123456789abcdef01234567")]
    public async Task Capture_and_void_decline_references_that_are_not_authorizations(string reference)
    {
        Expect(await _gateway.CaptureAsync("c1", reference, 5m, "USD"), PaymentOutcome.Declined, "unknown_reference", $"capturing '{reference}' must decline");
        Expect(await _gateway.VoidAsync("v1", reference), PaymentOutcome.Declined, "unknown_reference", $"voiding '{reference}' must decline");
    }

    [Theory]
    [InlineData("")]
    [InlineData("ch_123")]
    [InlineData("cap_123")]
    [InlineData("auth_0123456789abcdef01234567")]
    public async Task Refund_declines_references_that_are_not_captures(string reference) =>
        Expect(await _gateway.RefundAsync("r1", reference, 5m, "USD"), PaymentOutcome.Declined, "unknown_reference", $"refunding '{reference}' must decline");

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task Capture_and_refund_decline_non_positive_amounts(int amount)
    {
        var authorization = TestPaymentGateway.Reference(TestPaymentGateway.AuthorizationPrefix, "order-1");
        var capture = TestPaymentGateway.Reference(TestPaymentGateway.CapturePrefix, "order-1:capture");
        Expect(await _gateway.CaptureAsync("c1", authorization, amount, "USD"), PaymentOutcome.Declined, "invalid_amount", $"a capture of {amount} must decline");
        Expect(await _gateway.RefundAsync("r1", capture, amount, "USD"), PaymentOutcome.Declined, "invalid_amount", $"a refund of {amount} must decline");
    }

    [Fact]
    public void The_di_extension_registers_the_test_gateway_once_and_yields_to_an_existing_gateway()
    {
        using var provider = new ServiceCollection().AddTestPaymentGateway().AddTestPaymentGateway().BuildServiceProvider();
        Assert.IsType<TestPaymentGateway>(provider.GetRequiredService<IPaymentGateway>());
        Assert.Single(provider.GetServices<IPaymentGateway>());

        var existing = new TestPaymentGateway();
        using var overridden = new ServiceCollection().AddSingleton<IPaymentGateway>(existing).AddTestPaymentGateway().BuildServiceProvider();
        Assert.Same(existing, overridden.GetRequiredService<IPaymentGateway>());
    }
}
