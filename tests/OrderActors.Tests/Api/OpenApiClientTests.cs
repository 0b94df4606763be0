using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.OpenApi;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// A client that knows the API only through its OpenAPI document places an order: it finds each operation by its id,
/// the key header by the security scheme, builds each request from the operation's path and checks the body it sends
/// against the request schema, and checks each answer's status and body against the responses the operation
/// declares. What a client generated from the document would do, without a generator.
/// </summary>
public sealed class OpenApiClientTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_client_that_walks_the_document_prices_and_stocks_a_sku_places_an_order_and_reads_it_back()
    {
        using var anonymous = fixture.Api.CreateClient();
        var document = await OpenApiContract.ReadAsync(anonymous);
        var client = new DocumentClient(fixture.Api, document);
        var sku = ApiFixture.NewSku();

        await client.CallAsync("PutProduct", ApiFactory.OpsKey, new() { ["sku"] = sku },
            new { title = "Walker tee", prices = new Dictionary<string, decimal> { ["USD"] = 10m }, backorder = true, releaseAt = "2020-01-01T00:00:00Z" }, expect: 200);
        await client.CallAsync("PutStock", ApiFactory.OpsKey, new() { ["sku"] = sku }, ApiBodies.Stock(5), expect: 200);
        var listed = await client.CallAsync("GetProduct", ApiFactory.StorefrontKey, new() { ["sku"] = sku }, null, expect: 200);
        Assert.Equal(10m, listed.GetProperty("prices").GetProperty("USD").GetDecimal());
        var placed = await client.CallAsync("PlaceOrder", ApiFactory.StorefrontKey, [], ApiBodies.Order("c-walker", (sku, 7)), expect: 201); // 2 beyond stock: backordered
        var id = placed.GetProperty("id").GetString()!;
        var read = await client.CallAsync("GetOrder", ApiFactory.StorefrontKey, new() { ["id"] = id }, null, expect: 200);

        Assert.Equal("confirmed", read.GetProperty("status").GetString());
        Assert.Equal((7, 2), (read.GetProperty("lines")[0].GetProperty("quantity").GetInt32(), read.GetProperty("lines")[0].GetProperty("backordered").GetInt32()));
        var stock = await client.CallAsync("GetStock", ApiFactory.OpsKey, new() { ["sku"] = sku }, null, expect: 200);
        Assert.Equal((5, 2, 1), (stock.GetProperty("reserved").GetInt32(), stock.GetProperty("backordered").GetInt32(), stock.GetProperty("backorderQueue").GetInt32()));
    }

    [Fact]
    public void The_schema_check_refuses_what_the_schema_does_not_declare()
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("confirmed")] },
                ["count"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            },
            Required = new HashSet<string> { "status" },
        };

        Assert.Empty(DocumentClient.Mismatches(Parse("""{"status":"confirmed","count":1}"""), schema));
        Assert.Contains("$.other is not declared", DocumentClient.Mismatches(Parse("""{"status":"confirmed","other":1}"""), schema));
        Assert.Contains("$.status: 'shipped' is not one of its values", DocumentClient.Mismatches(Parse("""{"status":"shipped"}"""), schema));
        Assert.Contains("$.count is String, declared Integer", DocumentClient.Mismatches(Parse("""{"status":"confirmed","count":"1"}"""), schema));
        Assert.Contains("$.status is required", DocumentClient.Mismatches(Parse("""{"count":1}"""), schema));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    private sealed class DocumentClient(ApiFactory api, OpenApiDocument document)
    {
        public async Task<JsonElement> CallAsync(string operationId, string key, Dictionary<string, string> route, object? body, int expect)
        {
            var (template, method, operation) = document.Paths
                .SelectMany(p => p.Value.Operations!.Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value)))
                .Single(o => o.Operation.OperationId == operationId);
            var url = route.Aggregate(template, (path, parameter) => path.Replace($"{{{parameter.Key}}}", Uri.EscapeDataString(parameter.Value), StringComparison.Ordinal));
            Assert.DoesNotContain("{", url, StringComparison.Ordinal);

            var scheme = Assert.Single(document.Components!.SecuritySchemes!.Values);
            Assert.Equal(ParameterLocation.Header, scheme.In);
            using var http = api.CreateClient();
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Add(scheme.Name!, key);
            if (operation.Parameters?.Any(p => p.In == ParameterLocation.Header && p.Name == "Idempotency-Key") == true)
            {
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            }

            if (body is not null)
            {
                var json = JsonSerializer.SerializeToElement(body, ApiFactory.Json);
                var requestSchema = operation.RequestBody!.Content!["application/json"].Schema!;
                var sent = Mismatches(json, requestSchema);
                Assert.True(sent.Count == 0, $"{operationId}: the body does not match the request schema:\n{string.Join("\n", sent)}");
                request.Content = JsonContent.Create(json);
            }

            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == expect, $"{operationId}: {(int)response.StatusCode} {text}");
            var declared = operation.Responses![expect.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            var answer = JsonDocument.Parse(text).RootElement.Clone();
            var mismatches = Mismatches(answer, declared.Content!["application/json"].Schema!);
            Assert.True(mismatches.Count == 0, $"{operationId}'s answer does not match its declared schema:\n{string.Join("\n", mismatches)}");
            return answer;
        }

        public static List<string> Mismatches(JsonElement value, IOpenApiSchema schema, string path = "$")
        {
            var found = new List<string>();
            Check(value, schema, path, found);
            return found;
        }

        private static void Check(JsonElement value, IOpenApiSchema schema, string path, List<string> found)
        {
            var alternatives = (schema.OneOf ?? []).Concat(schema.AnyOf ?? []).ToArray();
            if (alternatives.Length > 0)
            {
                var each = alternatives.Select(a => Mismatches(value, a, path)).ToArray();
                if (each.All(m => m.Count > 0))
                {
                    found.Add($"{path} matches none of its {alternatives.Length} alternatives: {string.Join(" / ", each.Select(m => string.Join("; ", m)))}");
                }

                return;
            }

            var kind = value.ValueKind switch
            {
                JsonValueKind.Null => JsonSchemaType.Null,
                JsonValueKind.String => JsonSchemaType.String,
                JsonValueKind.Number => value.TryGetInt64(out _) ? JsonSchemaType.Integer | JsonSchemaType.Number : JsonSchemaType.Number,
                JsonValueKind.True or JsonValueKind.False => JsonSchemaType.Boolean,
                JsonValueKind.Array => JsonSchemaType.Array,
                _ => JsonSchemaType.Object,
            };
            if (schema.Type is { } declared && (declared & kind) == 0)
            {
                found.Add($"{path} is {(kind == (JsonSchemaType.Integer | JsonSchemaType.Number) ? JsonSchemaType.Integer : kind)}, declared {declared}");
                return;
            }

            if (value.ValueKind == JsonValueKind.String && schema.Enum is { Count: > 0 } values && !values.Any(v => v?.ToString() == value.GetString()))
            {
                found.Add($"{path}: '{value.GetString()}' is not one of its values");
            }

            if (value.ValueKind == JsonValueKind.Array && schema.Items is { } items)
            {
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, items, $"{path}[{i++}]", found);
                }
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var property in value.EnumerateObject())
            {
                if (schema.Properties?.TryGetValue(property.Name, out var declaredProperty) == true)
                {
                    Check(property.Value, declaredProperty, $"{path}.{property.Name}", found);
                }
                else if (schema.AdditionalProperties is { } additional)
                {
                    Check(property.Value, additional, $"{path}.{property.Name}", found);
                }
                else if (schema.Properties is { Count: > 0 } || schema.AdditionalPropertiesAllowed == false)
                {
                    found.Add($"{path}.{property.Name} is not declared");
                }
            }

            foreach (var required in schema.Required ?? new HashSet<string>())
            {
                if (!value.TryGetProperty(required, out _))
                {
                    found.Add($"{path}.{required} is required");
                }
            }
        }
    }
}
