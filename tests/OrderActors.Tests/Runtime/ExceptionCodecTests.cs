using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Serialization;

namespace OrderActors.Tests.Runtime;

public sealed class ExceptionCodecTests
{
    private static readonly ExceptionCodec Codec = new(new GrainSerializer([]));

    [Fact]
    public void A_domain_exception_keeps_its_kind_code_and_message()
    {
        var decoded = Assert.IsType<DomainException>(Codec.RoundTrip(DomainException.Conflict("order-exists", "Order o-1 exists.")));
        Assert.Equal((DomainErrorKind.Conflict, "order-exists", "Order o-1 exists."), (decoded.Kind, decoded.Code, decoded.Message));
    }

    [Fact]
    public void Runtime_exceptions_keep_their_details()
    {
        var decoded = Assert.IsType<InconsistentStateException>(Codec.RoundTrip(new InconsistentStateException("stale", "7", "6")));
        Assert.Equal(("stale", "7", "6"), (decoded.Message, decoded.StoredEtag, decoded.CurrentEtag));
        Assert.Equal("cycle", Assert.IsType<DeadlockException>(Codec.RoundTrip(new DeadlockException("cycle"))).Message);
    }

    [Fact]
    public void The_retryable_cluster_exceptions_keep_their_type_and_message()
    {
        Assert.Equal("gone", Assert.IsType<SiloUnavailableException>(Codec.RoundTrip(new SiloUnavailableException("gone"))).Message);
        Assert.Equal("not mine", Assert.IsType<WrongSiloException>(Codec.RoundTrip(new WrongSiloException("not mine"))).Message);
    }

    [Fact]
    public void An_outcome_unknown_failure_keeps_its_type_so_a_forwarding_silo_reports_it_faithfully()
    {
        var decoded = Codec.RoundTrip(new CallOutcomeUnknownException("sent, then the connection dropped"));

        Assert.Equal("sent, then the connection dropped", Assert.IsType<CallOutcomeUnknownException>(decoded).Message);
    }

    [Fact]
    public void An_argument_exception_keeps_its_parameter_without_repeating_it()
    {
        var decoded = Assert.IsType<ArgumentException>(Codec.RoundTrip(new ArgumentException("bad input", "quantity")));
        Assert.Equal("quantity", decoded.ParamName);
        Assert.Equal(new ArgumentException("bad input", "quantity").Message, decoded.Message);
    }

    [Fact]
    public void A_type_that_cannot_be_rebuilt_arrives_as_a_grain_exception_naming_it()
    {
        var decoded = Assert.IsType<GrainException>(Codec.RoundTrip(new UnbuildableException(42)));
        Assert.Equal(typeof(UnbuildableException).FullName, decoded.OriginalType);
        Assert.Equal("code 42", decoded.Message);
    }

    private sealed class UnbuildableException(int code) : Exception($"code {code}");
}
