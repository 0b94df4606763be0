using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Orleans.TestingHost;
using OrderActors.Api.Infrastructure;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// The API in process (<see cref="WebApplicationFactory{TEntryPoint}"/>) with its embedded silo on real storage:
/// a fresh SQLite file by default, or PostgreSQL when given a connection string.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string StorefrontKey = "dev-storefront-key";
    public const string OpsKey = "dev-ops-key";
    public const string AnalyticsKey = "dev-analytics-key";
    public const string AdminKey = "dev-admin-key";

    private readonly string _provider;
    private readonly string _connectionString;
    private readonly string? _sqliteFile;
    private readonly IDictionary<string, string?>? _settings;
    private readonly TimeProvider? _time;

    /// <param name="provider">Storage provider.</param>
    /// <param name="connectionString">Null for a fresh SQLite file that is deleted afterwards.</param>
    /// <param name="settings">More configuration, e.g. <c>OrderActors:Webhooks:RetryBaseDelay</c>.</param>
    /// <param name="time">The domain's clock (e.g. a <see cref="ShiftedClock"/>); Orleans' background loops stay on real time.</param>
    public ApiFactory(string provider = "Sqlite", string? connectionString = null, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        _provider = provider;
        _settings = settings;
        _time = time;
        if (connectionString is null && provider == "Sqlite")
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), $"orderactors-test-{Guid.NewGuid():N}.db");
            connectionString = $"Data Source={_sqliteFile}";
        }

        _connectionString = connectionString ?? "";
    }

    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Every (route, status) this API answered, to check against its OpenAPI document.</summary>
    public AnsweredStatuses Answered { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        // UseSetting, not ConfigureAppConfiguration: the API reads its storage and cluster settings while it builds
        // its host (Orleans is configured then), and only host settings are there that early.
        builder.UseSetting("OrderActors:Storage:Provider", _provider);
        builder.UseSetting("OrderActors:Storage:ConnectionString", _connectionString);
        builder.UseSetting("OrderActors:Api:MaxRequestBodyBytes", "65536");
        foreach (var (key, value) in _settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IStartupFilter>(Answered);
            if (_time is not null)
            {
                services.AddSingleton(_time); // the last registration wins over TimeProvider.System
                services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            }
        });
    }

    public HttpClient ClientWithKey(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ApiHostingExtensions.ConfigureJson(options);
        return options;
    }
}

public static class HttpAssertions
{
    /// <summary>Reads a problem+json body and checks its status and type suffix.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status, string typeSuffix, string phase = "")
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{phase}: expected HTTP {status} {typeSuffix}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        var type = problem.GetProperty("type").GetString();
        Assert.True(type?.EndsWith("/" + typeSuffix, StringComparison.Ordinal) == true, $"{phase}: expected problem type ending in '{typeSuffix}', got '{type}'.");
        return problem;
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, int expectedStatus, string phase = "")
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"{phase}: expected HTTP {expectedStatus}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, ApiFactory.Json)!;
    }

    public static Task<HttpResponseMessage> PutJsonAsync<T>(this HttpClient client, string url, T body)
        => client.PutAsJsonAsync(url, body, ApiFactory.Json);

    public static Task<HttpResponseMessage> PostJsonAsync<T>(this HttpClient client, string url, T body)
        => client.PostAsJsonAsync(url, body, ApiFactory.Json);
}
