using System.Linq.Expressions;
using System.Reflection;

namespace OrderActors.Runtime.Messaging;

/// <summary>
/// Everything the message path needs about one grain interface method: how to invoke it on a grain,
/// the types its arguments and result serialize as, and whether it may interleave.
/// </summary>
internal abstract class GrainMethod
{
    protected GrainMethod(Type interfaceType, MethodInfo method, int id)
    {
        InterfaceType = interfaceType;
        Method = method;
        Id = id;
        Name = $"{interfaceType.Name}.{method.Name}";
        ParameterTypes = method.GetParameters().Select(p => p.ParameterType).ToArray();
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: true);
        Invoke = CompileInvoker(interfaceType, method);
    }

    /// <summary>The declaring grain interface.</summary>
    public Type InterfaceType { get; }

    /// <summary>The interface method.</summary>
    public MethodInfo Method { get; }

    /// <summary>The interface whose <see cref="GrainInterface.Methods"/> hold this method at <see cref="Id"/> (the one a
    /// reference was created for; it may inherit <see cref="InterfaceType"/>). The wire names it next to the id.</summary>
    public GrainInterface Owner { get; internal set; } = null!;

    /// <summary>Stable index of the method within its interface (by signature, ordinal order).</summary>
    public int Id { get; }

    /// <summary><c>Interface.Method</c>, for errors and metrics.</summary>
    public string Name { get; }

    /// <summary>Declared parameter types, in order.</summary>
    public Type[] ParameterTypes { get; }

    /// <summary>The result type of <c>Task&lt;T&gt;</c>, or null for <c>Task</c>.</summary>
    public abstract Type? ResultType { get; }

    /// <summary>Whether the method runs even while another request of the activation is in progress.</summary>
    public bool AlwaysInterleave { get; }

    /// <summary>Calls the method on a grain instance with the given arguments.</summary>
    public Func<object, object?[], Task> Invoke { get; }

    /// <summary>Reads the result of a completed task returned by <see cref="Invoke"/>.</summary>
    public abstract object? GetResult(Task completed);

    /// <summary>Sends the call and returns the task the proxy hands to the caller.</summary>
    public abstract object Send(RuntimeClient runtime, GrainId target, object?[] arguments);

    public static GrainMethod Create(Type interfaceType, MethodInfo method, int id)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return new VoidGrainMethod(interfaceType, method, id);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var resultType = returnType.GetGenericArguments()[0];
            return (GrainMethod)Activator.CreateInstance(
                typeof(GrainMethod<>).MakeGenericType(resultType), interfaceType, method, id)!;
        }

        throw new InvalidOperationException(
            $"Grain interface method {interfaceType.Name}.{method.Name} must return Task or Task<T>, not {returnType.Name}.");
    }

    private static Func<object, object?[], Task> CompileInvoker(Type interfaceType, MethodInfo method)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters()
            .Select((p, i) => (Expression)Expression.Convert(
                Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType))
            .ToArray();
        var call = Expression.Call(Expression.Convert(grain, interfaceType), method, parameters);
        return Expression.Lambda<Func<object, object?[], Task>>(
            Expression.Convert(call, typeof(Task)), grain, args).Compile();
    }
}

internal sealed class GrainMethod<TResult>(Type interfaceType, MethodInfo method, int id)
    : GrainMethod(interfaceType, method, id)
{
    public override Type? ResultType => typeof(TResult);

    public override object? GetResult(Task completed) => ((Task<TResult>)completed).Result;

    public override object Send(RuntimeClient runtime, GrainId target, object?[] arguments)
        => runtime.SendRequest<TResult>(target, this, arguments);
}

internal sealed class VoidGrainMethod(Type interfaceType, MethodInfo method, int id)
    : GrainMethod(interfaceType, method, id)
{
    public override Type? ResultType => null;

    public override object? GetResult(Task completed) => null;

    public override object Send(RuntimeClient runtime, GrainId target, object?[] arguments)
        => runtime.SendRequest<object?>(target, this, arguments);
}
