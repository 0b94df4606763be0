using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using OrderActors.Grains.Reporting;
using OrderActors.Tests.Api;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Reporting;

/// <summary>The report endpoints' query validation (422, never 400 or 500), thresholds and CSV shape.</summary>
public sealed class ReportsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string ForeignCursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("v1:not-ticks:ord_1"));

    [Theory]
    [InlineData("sales?from=2026-13-01", "from")]
    [InlineData("sales?from=2026-02-30", "from")]
    [InlineData("sales?to=21-11-2026", "to")]
    [InlineData("sales?from=", "from")]
    [InlineData("sales?from=2025-01-01&to=2026-01-02", "to")]
    [InlineData("sales?from=2026-02-02&to=2026-02-01", "to")]
    [InlineData("sales?groupBy=week", "groupBy")]
    [InlineData("sales?groupBy=1", "groupBy")]
    [InlineData("sales?from=a&from=b", "from")]
    [InlineData("sales.csv?groupBy=month", "groupBy")]
    [InlineData("orders?limit=0", "limit")]
    [InlineData("orders?limit=201", "limit")]
    [InlineData("orders?limit=-1", "limit")]
    [InlineData("orders?limit=99999999999999", "limit")]
    [InlineData("orders?limit=abc", "limit")]
    [InlineData("orders?cursor=%25%25%25", "cursor")]
    [InlineData("orders?cursor=djE6bXVn", "cursor")] // an inventory cursor
    [InlineData("orders?status=rejected", "status")]
    [InlineData("orders?channel=fax", "channel")]
    [InlineData("orders?customer=", "customer")]
    [InlineData("orders?from=2026-1-1", "from")]
    [InlineData("orders?from=2026-02-02&to=2026-02-01", "to")]
    [InlineData("orders.csv?status=open", "status")]
    [InlineData("inventory?limit=1001", "limit")]
    [InlineData("inventory?cursor=zzz", "cursor")]
    [InlineData("low-stock?limit=0", "limit")]
    public async Task A_bad_query_value_is_a_422_naming_the_field(string query, string field)
    {
        var problem = await (await fixture.Analytics.GetAsync($"/v1/reports/{query}")).AssertProblemAsync(422, "validation-failed", query);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
    }

    [Fact]
    public async Task A_cursor_that_decodes_to_something_else_is_a_422()
        => await (await fixture.Analytics.GetAsync($"/v1/reports/orders?cursor={ForeignCursor}")).AssertProblemAsync(422, "validation-failed");

    [Theory]
    [InlineData("sales?to=0001-01-05")]
    [InlineData("sales?to=9999-12-31")]
    [InlineData("sales?from=9999-12-31&to=9999-12-31&groupBy=SKU")]
    [InlineData("sales?from=2025-01-01&to=2026-01-01&groupBy=channel")]
    [InlineData("sales.csv?from=2024-02-01&to=2025-01-31")]
    [InlineData("orders?from=0001-01-01&to=9999-12-31&limit=200&status=completed&channel=kiosk&customer=nobody")]
    [InlineData("orders.csv?to=9999-12-31")]
    [InlineData("inventory?limit=1000")]
    [InlineData("low-stock?limit=1000")]
    [InlineData("kpis")]
    public async Task Edge_values_are_answered(string query)
    {
        var response = await fixture.Analytics.GetAsync($"/v1/reports/{query}");
        Assert.True(response.IsSuccessStatusCode, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Sales_cover_the_last_30_days_by_day_unless_asked_otherwise()
    {
        var report = await (await fixture.Analytics.GetAsync("/v1/reports/sales")).ReadAsync<SalesReport>(200, "sales");
        Assert.Equal(SalesGrouping.Day, report.GroupBy);
        Assert.Equal(29, report.To.DayNumber - report.From.DayNumber);
        Assert.InRange(report.To.DayNumber - DateOnly.FromDateTime(DateTime.UtcNow).DayNumber, -1, 0);
    }

    [Fact]
    public async Task Reports_are_for_analytics_ops_and_admins_and_thresholds_for_ops_and_admins()
    {
        await (await fixture.Storefront.GetAsync("/v1/reports/sales")).AssertProblemAsync(403, "forbidden");
        await (await fixture.Storefront.GetAsync("/v1/reports/orders.csv")).AssertProblemAsync(403, "forbidden");
        await (await fixture.Api.ClientWithKey(null).GetAsync("/v1/reports/kpis")).AssertProblemAsync(401, "unauthorized");
        Assert.True((await fixture.Ops.GetAsync("/v1/reports/kpis")).IsSuccessStatusCode);
        await (await fixture.Analytics.PutJsonAsync("/v1/reports/low-stock/x", new { threshold = 1 })).AssertProblemAsync(403, "forbidden");
    }

    [Fact]
    public async Task A_threshold_of_its_own_makes_a_sku_low_goes_back_to_the_default_with_null_and_survives_a_rebuild()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 8);
        await (await fixture.Ops.PutJsonAsync($"/v1/reports/low-stock/{sku}", new { threshold = -1 })).AssertProblemAsync(422, "validation-failed");
        await (await fixture.Ops.PutJsonAsync("/v1/reports/low-stock/bad%20sku", new { threshold = 1 })).AssertProblemAsync(422, "validation-failed");
        await (await fixture.Ops.PutAsync($"/v1/reports/low-stock/{sku}", new StringContent("null", Encoding.UTF8, "application/json"))).AssertProblemAsync(422, "validation-failed");

        var set = await (await fixture.Ops.PutJsonAsync($"/v1/reports/low-stock/{sku}", new { threshold = 8 })).ReadAsync<LowStockThreshold>(200, "set");
        Assert.Equal(new LowStockThreshold(sku, 8, false), set);
        await Eventually.TrueAsync(async () => (await LowAsync()).Any(l => l.Sku == sku && l is { Available: 8, Threshold: 8 }), "the SKU is low at its own threshold");

        var admin = fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        (await admin.PostJsonAsync("/v1/admin/subscriptions/inventoryreport/reset", new { })).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => (await LowAsync()).Any(l => l.Sku == sku && l.Threshold == 8), "rebuilt, with the threshold kept");

        var back = await (await fixture.Ops.PutJsonAsync($"/v1/reports/low-stock/{sku}", new { threshold = (int?)null })).ReadAsync<LowStockThreshold>(200, "reset");
        Assert.Equal(new LowStockThreshold(sku, 5, true), back);
        Assert.DoesNotContain(await LowAsync(), l => l.Sku == sku);
    }

    [Fact]
    public void A_csv_field_with_a_line_break_a_quote_or_a_comma_is_quoted_and_a_formula_is_neutralized()
    {
        var csv = new System.Text.StringBuilder();
        OrderActors.Api.Endpoints.Csv.Row(csv, "plain", "a,b", "say \"hi\"", "two\nlines", OrderActors.Api.Endpoints.Csv.Text("=SUM(A1)"));
        Assert.Equal("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=SUM(A1)\r\n", csv.ToString());
    }

    [Fact]
    public async Task Csv_exports_have_a_header_rfc_4180_quoting_invariant_numbers_and_no_formulas()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var customer = $"=HYPERLINK(\"x\"), {sku}"; // customer ids hold no control characters, so no line break to quote here
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(ApiBodies.Order("c", (sku, 3))))!;
        body["customer"] = new { id = customer };
        var placed = JsonDocument.Parse(await (await fixture.Storefront.PostJsonAsync("/v1/orders", body)).Content.ReadAsStringAsync()).RootElement;
        var id = placed.GetProperty("id").GetString()!;

        HttpResponseMessage response = null!;
        string csv = "";
        await Eventually.TrueAsync(async () =>
        {
            response = await fixture.Analytics.GetAsync($"/v1/reports/orders.csv?customer={Uri.EscapeDataString(customer)}");
            csv = await response.Content.ReadAsStringAsync();
            return csv.Contains(id, StringComparison.Ordinal);
        }, "the order is in the export");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var placedAt = placed.GetProperty("placedAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            "id,status,paymentStatus,fulfillmentStatus,channel,customerId,currency,subtotal,placedAt\r\n" +
            $"{id},confirmed,authorized,unfulfilled,web,\"'=HYPERLINK(\"\"x\"\"), {sku}\",USD,30.00,{placedAt}\r\n",
            csv);

        string[] lines = [];
        await Eventually.TrueAsync(async () =>
        {
            response = await fixture.Analytics.GetAsync("/v1/reports/sales.csv?groupBy=sku");
            lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
            return lines.Contains($"{sku},USD,3,30.00,1,0.00,0.00,0.00");
        }, "the SKU's sales are in the export");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("sku,currency,units,revenue,orders,discount,tax,shipping", lines[0]);
        Assert.Equal("", lines[^1]); // every record ends with CRLF
    }

    private async Task<IReadOnlyList<InventoryLevel>> LowAsync()
        => (await (await fixture.Analytics.GetAsync("/v1/reports/low-stock?limit=1000")).ReadAsync<LowStockReport>(200, "low stock")).Items;
}
