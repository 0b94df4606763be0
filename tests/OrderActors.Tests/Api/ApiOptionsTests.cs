using OrderActors.Api.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed class ApiOptionsTests
{
    private static ApiKeyOptions Key(string name, string key, string role) => new() { Name = name, Key = key, Role = role };

    [Fact]
    public void Dev_style_keys_are_valid()
        => Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions { Keys = [Key("a", "key-aaaaaaaa", "ops"), Key("b", "key-bbbbbbbb", "admin")] }).Succeeded);

    [Theory]
    [InlineData("a", "key-aaaaaaaa", "ops", "a", "key-bbbbbbbb", "ops", "Name")]
    [InlineData("a", "key-aaaaaaaa", "ops", "b", "key-aaaaaaaa", "ops", "same key")]
    [InlineData("a", "short", "ops", "b", "key-bbbbbbbb", "ops", "at least 8")]
    [InlineData("a", "key-aaaaaaaa", "root", "b", "key-bbbbbbbb", "ops", "'root'")]
    public void Ambiguous_or_weak_keys_fail_start_up_with_a_message_naming_the_problem(
        string name1, string key1, string role1, string name2, string key2, string role2, string expected)
    {
        var result = new ApiOptionsValidator().Validate(null, new ApiOptions { Keys = [Key(name1, key1, role1), Key(name2, key2, role2)] });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }
}
