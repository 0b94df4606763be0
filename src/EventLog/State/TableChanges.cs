namespace OrderActors.EventLog.State;

/// <summary>
/// What one state write does to the rows of one <see cref="StateTable{TValue}"/>: the changed entries, serialized (a
/// null value removes the entry's row). With <paramref name="Replace"/> the entries are the table's whole content and
/// every other stored row of the table goes; a null <paramref name="Name"/> (<see cref="All"/>) deletes every row of
/// every table of the state (a clear).
/// </summary>
/// <param name="Name">The table's property path in the state, its <c>table_name</c>; null for every table.</param>
/// <param name="Replace">Whether the write replaces the table's stored rows (a table the storage never saw).</param>
/// <param name="Rows">The entries written: the changed ones, or all of them for a replacing write.</param>
internal sealed record TableChanges(string? Name, bool Replace, IReadOnlyList<(string Key, BinaryData? Value)> Rows)
{
    /// <summary>Deletes every row of every table of the state.</summary>
    public static readonly TableChanges All = new(null, true, []);

    /// <summary>The rows to insert or overwrite.</summary>
    public IEnumerable<(string Key, byte[] Payload)> Upserts => Rows.Where(r => r.Value is not null).Select(r => (r.Key, r.Value!.ToArray()));

    /// <summary>The keys of rows to delete; none for a replacing write, whose delete covers them.</summary>
    public IEnumerable<string> Deletes => Replace ? [] : Rows.Where(r => r.Value is null).Select(r => r.Key);

    /// <summary>Whether the write changes any stored row.</summary>
    public bool ChangesRows => Replace || Rows.Count > 0;
}
