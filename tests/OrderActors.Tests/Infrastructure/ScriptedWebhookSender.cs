using System.Collections.Concurrent;
using System.Text;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Tests.Infrastructure;

/// <summary>A request the <see cref="ScriptedWebhookSender"/> was asked to send.</summary>
public sealed record SentWebhook(DateTimeOffset At, Uri Url, string DeliveryId, string Timestamp, string Signature, byte[] Body)
{
    /// <summary>The <c>v1=</c> signatures of the signature header, in order.</summary>
    public IReadOnlyList<string> Signatures => Signature.Split(',');

    /// <summary>True if one of the signatures is the one <paramref name="secret"/> gives.</summary>
    public bool IsSignedWith(string secret) => Signatures.Contains(SignatureWith(secret));

    /// <summary>The <c>v1=</c> signature <paramref name="secret"/> gives for this request.</summary>
    public string SignatureWith(string secret) => WebhookSignature.Compute(secret, long.Parse(Timestamp, System.Globalization.CultureInfo.InvariantCulture), Body);

    /// <summary>The body as text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A webhook sender in place of HTTP for grain tests: answers 500 while told to fail, 200 otherwise, and remembers
/// each request with the silo's clock time it was made.
/// </summary>
public sealed class ScriptedWebhookSender(TimeProvider time) : IWebhookSender
{
    private int _failNext;

    public ConcurrentQueue<SentWebhook> Calls { get; } = new();

    public volatile bool AlwaysFail;

    public int FailNext { set => Volatile.Write(ref _failNext, value); }

    public Task<WebhookHttpResponse> SendAsync(WebhookHttpRequest request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value);
        Calls.Enqueue(new SentWebhook(time.GetUtcNow(), request.Url, headers[WebhookHeaders.DeliveryId], headers[WebhookHeaders.Timestamp],
            headers[WebhookHeaders.Signature], request.Body));
        var fail = AlwaysFail || Interlocked.Decrement(ref _failNext) >= 0;
        return Task.FromResult(fail ? new WebhookHttpResponse(500, "HTTP 500") : new WebhookHttpResponse(200, null));
    }
}
