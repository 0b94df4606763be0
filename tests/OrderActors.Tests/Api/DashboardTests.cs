using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Orleans' dashboard at <c>/dashboard</c>: admin keys only, by header or by the sign-in's cookie.</summary>
public sealed class DashboardTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_dashboard_answers_admins_with_the_silo_and_the_grains_and_refuses_everyone_else()
    {
        using var anonymous = fixture.Api.CreateClient();
        await (await anonymous.GetAsync("/dashboard/")).AssertProblemAsync(401, "unauthorized", "no key");
        await (await fixture.Ops.GetAsync("/dashboard/")).AssertProblemAsync(403, "forbidden", "an ops key");

        var admin = fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        using var page = await admin.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);

        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 1);
        await Eventually.TrueAsync(async () =>
        {
            var counters = JsonDocument.Parse(await admin.GetStringAsync("/dashboard/DashboardCounters")).RootElement;
            return counters.GetProperty("totalActiveHostCount").GetInt32() == 1
                && counters.GetProperty("simpleGrainStats").EnumerateArray().Any(g => g.GetProperty("grainType").GetString()!.Contains("InventoryGrain", StringComparison.Ordinal));
        }, "the dashboard counts the embedded silo and the inventory grain");
    }

    [Fact]
    public async Task Signing_in_with_an_admin_key_lets_a_browser_in_by_cookie_and_a_wrong_key_does_not()
    {
        using var browser = fixture.Api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using (var form = await browser.GetAsync("/dashboard/login"))
        {
            Assert.Equal(HttpStatusCode.OK, form.StatusCode);
            Assert.Contains("<form", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var refused = await browser.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("key", ApiFactory.OpsKey)])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.False(refused.Headers.Contains("Set-Cookie"));
        }

        using (var signedIn = await browser.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("key", ApiFactory.AdminKey)])))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
            Assert.Contains("path=/dashboard", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        }

        using var page = await browser.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // The cookie opens the dashboard only: the API still wants the header.
        await (await browser.GetAsync("/v1/admin/cluster")).AssertProblemAsync(401, "unauthorized", "a dashboard cookie on an API route");
    }
}
