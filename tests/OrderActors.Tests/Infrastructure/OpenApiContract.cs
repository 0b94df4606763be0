using System.Globalization;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Reads the API's OpenAPI document and checks what the API answered against it.</summary>
public static class OpenApiContract
{
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>The routes the document must describe; the rest (the document itself, /docs, /metrics, the dashboard) it leaves out on purpose.</summary>
    public static bool IsDescribed(string route) => route.StartsWith("/v1/", StringComparison.Ordinal) || route.StartsWith("/health/", StringComparison.Ordinal);

    /// <summary>The document, parsed by Microsoft.OpenApi's reader; fails on any error the reader reports.</summary>
    public static async Task<OpenApiDocument> ReadAsync(HttpClient client)
    {
        using var response = await client.GetAsync(DocumentPath);
        Assert.True(response.IsSuccessStatusCode, $"GET {DocumentPath}: {(int)response.StatusCode}");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var read = await OpenApiDocument.LoadAsync(stream, OpenApiConstants.Json);
        var errors = read.Diagnostic?.Errors ?? [];
        Assert.True(errors.Count == 0, $"{DocumentPath} is not valid OpenAPI:\n{string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}"))}");
        return read.Document!;
    }

    /// <summary>The operation for a route template such as <c>/v1/orders/{id}</c>, or null.</summary>
    public static OpenApiOperation? Operation(OpenApiDocument document, string method, string route)
    {
        var path = document.Paths.FirstOrDefault(p => Normalize(p.Key) == Normalize(route)).Value;
        return path?.Operations?.FirstOrDefault(o => string.Equals(o.Key.Method, method, StringComparison.OrdinalIgnoreCase)).Value;
    }

    /// <summary>
    /// Each answered status of a described route that its operation does not list, with a request that got it: a client
    /// generated from the document would not expect it.
    /// </summary>
    public static IReadOnlyList<string> Undeclared(OpenApiDocument document, IEnumerable<AnsweredStatus> answered)
        => [.. answered
            .Where(a => IsDescribed(a.Route))
            .OrderBy(a => a.Route, StringComparer.Ordinal).ThenBy(a => a.Method, StringComparer.Ordinal).ThenBy(a => a.Status)
            .Select(a => Operation(document, a.Method, a.Route) switch
            {
                null => $"{a.Method} {a.Route} answered {a.Status} but is not in the document (e.g. {a.Example})",
                { Responses: var responses } when responses?.ContainsKey(a.Status.ToString(CultureInfo.InvariantCulture)) != true =>
                    $"{a.Method} {a.Route} answered {a.Status}, which its operation does not list (e.g. {a.Example})",
                _ => null,
            })
            .OfType<string>()];

    /// <summary>Asserts that every status <paramref name="api"/> answered so far is declared for its operation.</summary>
    public static async Task AssertAnsweredStatusesDeclaredAsync(ApiFactory api, string phase)
    {
        using var client = api.CreateClient();
        var document = await ReadAsync(client);
        var answered = api.Answered.All;
        var undeclared = Undeclared(document, answered);
        Assert.True(undeclared.Count == 0,
            $"{phase}: of {answered.Count} (route, status) pairs answered, {undeclared.Count} are not declared in {DocumentPath}:\n{string.Join("\n", undeclared)}");
    }

    private static string Normalize(string route) => "/" + route.Trim('/');
}
