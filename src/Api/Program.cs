using OrderActors.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrderActorsApi();

var app = builder.Build();
app.UseOrderActorsApi();
app.Run();

/// <summary>The API's entry point; public for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
