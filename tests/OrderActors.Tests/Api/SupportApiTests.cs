using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Feedback and support tickets through the HTTP API, with their own database so the reports count only them.</summary>
public sealed class SupportApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    [Fact]
    public async Task Feedback_is_given_once_a_low_rating_opens_a_ticket_and_ops_work_it_from_the_open_tickets_report()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var happy = await _api.DeliveredOrderAsync(null, (sku, 1));
        var unhappy = await _api.DeliveredOrderAsync(null, (sku, 1));
        Assert.Contains((await _api.OrderAsync(happy.Id)).Timeline, t => t.Type == "order.completed");

        var five = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{happy.Id}/feedback", new { rating = 5, comment = "lovely" })).ReadAsync<FeedbackView>(201, "rate 5");
        Assert.Null(five.TicketId);
        var before = await _api.SnapshotAsync(happy.Id);
        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{happy.Id}/feedback", new { rating = 1, comment = "changed my mind" }))
            .AssertProblemAsync(409, "feedback-already-given", "second feedback");
        Assert.Equal(before, await _api.SnapshotAsync(happy.Id));
        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{unhappy.Id}/feedback", new { rating = 6 })).AssertProblemAsync(422, "validation-failed");

        var two = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{unhappy.Id}/feedback", new { rating = 2, comment = "box was crushed" })).ReadAsync<FeedbackView>(201, "rate 2");
        Assert.Equal($"{unhappy.Id}-t1", two.TicketId);
        var ticket = await (await fixture.Ops.GetAsync($"/v1/tickets/{two.TicketId}")).ReadAsync<TicketView>(200, "ticket");
        Assert.Equal((TicketStatus.Open, TicketPriority.High, "box was crushed"), (ticket.Status, ticket.Priority, ticket.Messages[0].Body));

        var question = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{happy.Id}/tickets", new { subject = "Invoice", message = "Can I get an invoice?", priority = "low" }))
            .ReadAsync<TicketView>(201, "open ticket");
        await Eventually.TrueAsync(async () => (await OpenTicketsAsync()).GetProperty("total").GetInt32() == 2, "both tickets are listed");
        var listed = (await OpenTicketsAsync()).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("ticketId").GetString()).ToArray();
        Assert.Equal(new[] { two.TicketId, question.Id }, listed); // high before low

        await (await fixture.Ops.PostJsonAsync($"/v1/tickets/{two.TicketId}/assign", new { assignee = "sam" })).ReadAsync<TicketView>(200, "assign");
        await (await fixture.Ops.PostJsonAsync($"/v1/tickets/{two.TicketId}/replies", new { message = "Sorry! A voucher is on its way." })).ReadAsync<TicketView>(200, "ops reply");
        await (await fixture.Storefront.PostJsonAsync($"/v1/tickets/{two.TicketId}/replies", new { message = "Thanks" })).ReadAsync<TicketView>(200, "customer reply");
        await (await fixture.Storefront.PostJsonAsync($"/v1/tickets/{two.TicketId}/resolve", new { resolution = "x" })).AssertProblemAsync(403, "forbidden");
        var resolved = await (await fixture.Ops.PostJsonAsync($"/v1/tickets/{two.TicketId}/resolve", new { resolution = "voucher sent" })).ReadAsync<TicketView>(200, "resolve");
        Assert.Equal((TicketStatus.Resolved, "sam", 3), (resolved.Status, resolved.AssignedTo, resolved.Messages.Count));
        await (await fixture.Ops.PostJsonAsync($"/v1/tickets/{two.TicketId}/resolve", new { resolution = "again" })).AssertProblemAsync(409, "invalid-transition");

        var timeline = (await _api.OrderAsync(unhappy.Id)).Timeline.Select(t => t.Type).ToArray();
        Assert.Equal(["support.ticket_opened", "feedback.received", "support.ticket_assigned", "support.ticket_replied", "support.ticket_replied", "support.ticket_resolved"],
            timeline.SkipWhile(t => t != "support.ticket_opened"));
        await Eventually.TrueAsync(async () => (await OpenTicketsAsync()).GetProperty("total").GetInt32() == 1, "the resolved ticket leaves the list");
        await Eventually.TrueAsync(async () => (await _api.KpisAsync()).GetProperty("rating").GetProperty("count").GetInt32() == 2, "the KPIs count both ratings");
        Assert.Equal(3.5, (await _api.KpisAsync()).GetProperty("rating").GetProperty("average").GetDouble());
    }

    private async Task<JsonElement> OpenTicketsAsync() => JsonDocument.Parse(await fixture.Ops.GetStringAsync("/v1/reports/open-tickets")).RootElement;
}
