namespace OrderActors.Grains.Orders;

/// <summary>The customer's rating and comment, once per order, after delivery.</summary>
/// <param name="Rating">1 (worst) to 5.</param>
/// <param name="Comment">Free text.</param>
/// <param name="IdempotencyKey">The client's key: a retry with the same key and body gets the same answer.</param>
/// <param name="Actor">Who gives it.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.GiveFeedback")]
public sealed record GiveFeedback(int Rating, string? Comment, string? IdempotencyKey, Actor Actor);

/// <summary>Feedback as readers see it; a low rating opened <paramref name="TicketId"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.FeedbackView")]
public sealed record FeedbackView(int Rating, string? Comment, DateTimeOffset At, string? TicketId);

/// <summary>Where a support ticket is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.TicketStatus")]
public enum TicketStatus
{
    /// <summary>Waiting for an answer or a resolution.</summary>
    Open,

    /// <summary>Resolved; a new reply opens it again.</summary>
    Resolved,
}

/// <summary>How soon a ticket needs attention.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.TicketPriority")]
public enum TicketPriority
{
    /// <summary>When there is time.</summary>
    Low,

    /// <summary>The default.</summary>
    Normal,

    /// <summary>Soon (a low rating opens tickets at this priority).</summary>
    High,

    /// <summary>Now.</summary>
    Urgent,
}

/// <summary>Opens a support ticket on an order.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.OpenTicket")]
public sealed record OpenTicket(string Subject, string Message, TicketPriority Priority, string? IdempotencyKey, Actor Actor);

/// <summary>What can be done to a ticket.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.TicketAction")]
public enum TicketAction
{
    /// <summary>Add a message (customer or ops); reopens a resolved ticket.</summary>
    Reply,

    /// <summary>Give it to someone (ops).</summary>
    Assign,

    /// <summary>Close it with a resolution (ops).</summary>
    Resolve,
}

/// <summary>A step on a ticket: the reply, the assignee, or the resolution in <paramref name="Text"/>; a retry with the same <paramref name="IdempotencyKey"/> is done once.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.TicketCommand")]
public sealed record TicketCommand(string TicketId, TicketAction Action, string Text, Actor Actor, string? IdempotencyKey = null);

/// <summary>One message of a ticket.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.TicketMessage")]
public sealed record TicketMessage(DateTimeOffset At, Actor Author, string Body);

/// <summary>A support ticket as readers see it. Its id is <c>{orderId}-t{n}</c>.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.TicketView")]
public sealed record TicketView(
    string Id,
    string OrderId,
    string Subject,
    TicketStatus Status,
    TicketPriority Priority,
    string? AssignedTo,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ResolvedAt,
    string? Resolution,
    IReadOnlyList<TicketMessage> Messages,
    IReadOnlyList<string> AllowedActions);
