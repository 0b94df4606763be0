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

    [Theory]
    [InlineData("not-hex", "", "64 hex digits")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "key-aaaaaaaa", "both Key and KeyHash")]
    public void A_key_hash_must_be_a_sha256_digest_given_instead_of_the_key(string hash, string key, string expected)
    {
        var result = new ApiOptionsValidator().Validate(null, new ApiOptions { Keys = [new() { Name = "h", Key = key, KeyHash = hash, Role = "ops" }] });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hash_of_a_key_already_listed_in_clear_is_the_same_key_twice()
    {
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("key-aaaaaaaa")));
        var result = new ApiOptionsValidator().Validate(null, new ApiOptions { Keys = [Key("a", "key-aaaaaaaa", "ops"), new() { Name = "b", KeyHash = digest, Role = "ops" }] });
        Assert.Contains("same key twice", result.FailureMessage, StringComparison.Ordinal);
    }
}
