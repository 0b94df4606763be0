using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderActors.EventLog;

/// <summary>
/// A keyed part of a grain's state that the event-log storage keeps as one row per entry, so that a write costs what
/// changed since the last write instead of the whole state: read models of every order, every SKU, every ticket.
/// Declare it as a settable property of the state (or of a property of the state, e.g. a projection's model).
/// </summary>
/// <typeparam name="TValue">The entry's value, serialized with the silo's grain-storage serializer.</typeparam>
/// <remarks>
/// <para>The storage writes the state's head (everything but its tables) and the entries that changed, in one
/// transaction, under the head's ETag. An entry counts as changed when it is set, added or removed, and also when it
/// is handed out for change: by the indexer's getter, <see cref="TryGetValue"/> and <see cref="GetValueOrDefault"/>.
/// So mutating a value in place (<c>table[key].Count++</c>) is written like an assignment. Enumeration,
/// <see cref="Peek"/>, <see cref="ContainsKey"/> and <see cref="Count"/> read without marking.</para>
/// <para>A table the storage has not read or written yet (a new state, a rebuilt model) replaces every stored row of
/// its name at the next write.</para>
/// <para>A table marked <see cref="PagedStateTableAttribute"/> is paged: its rows stay in the database and only those
/// the grain loads (<see cref="LoadAsync"/>) or changes are in memory, at most about
/// <see cref="PagedStateTableAttribute.ResidentRows"/> of them after a write; queries read it a page at a time in key
/// order (<see cref="ReadPageAsync"/>). For a read model of every order ever placed: its memory and activation cost
/// stay flat however long the history.</para>
/// <para>In the state's own serialization a table is an empty JSON object: it needs a System.Text.Json grain-storage
/// serializer (Orleans' <c>SystemTextJsonGrainStorageSerializer</c>, as OrderActors configures).</para>
/// </remarks>
[JsonConverter(typeof(StateTableJsonConverterFactory))]
public sealed class StateTable<TValue> : IStateTable, IEnumerable<KeyValuePair<string, TValue>>
{
    private readonly Dictionary<string, TValue> _rows = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    // Paged tables only: the keys known to have no row (looked up and not found, or removed), where the rows come
    // from, and how many rows stay in memory after a write.
    private readonly HashSet<string> _absent = new(StringComparer.Ordinal);
    private IStoredRows? _stored;
    private int _resident;

    /// <summary>Whether the table is paged (<see cref="PagedStateTableAttribute"/>); known once its storage read or wrote it.</summary>
    public bool IsPaged => _resident > 0;

    /// <summary>The number of entries; not available on a paged table.</summary>
    public int Count => Whole()._rows.Count;

    /// <summary>The keys, without marking anything changed; not available on a paged table.</summary>
    public IEnumerable<string> Keys => Whole()._rows.Keys;

    /// <summary>The values, without marking anything changed; do not mutate them (use the indexer to change one). Not available on a paged table.</summary>
    public IEnumerable<TValue> Values => Whole()._rows.Values;

    /// <summary>Gets an entry for change (marks it changed) or sets it.</summary>
    /// <param name="key">The entry's key.</param>
    public TValue this[string key]
    {
        get
        {
            if (!_rows.TryGetValue(key, out var value))
            {
                Known(key);
                throw new KeyNotFoundException($"The table has no entry '{key}'.");
            }

            _changed.Add(key);
            return value;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _rows[key] = value;
            _changed.Add(key);
            _absent.Remove(key);
        }
    }

    /// <summary>Gets an entry for change: marks it changed when found.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value, if found.</param>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        if (!_rows.TryGetValue(key, out value))
        {
            Known(key);
            return false;
        }

        _changed.Add(key);
        return true;
    }

    /// <summary>Gets an entry for change (marks it changed when found), or the default value.</summary>
    /// <param name="key">The entry's key.</param>
    public TValue? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : default;

    /// <summary>Reads an entry without marking it changed: for queries, which must not mutate it.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value, if found.</param>
    public bool Peek(string key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_rows.TryGetValue(key, out value))
        {
            return true;
        }

        Known(key);
        return false;
    }

    /// <summary>Whether an entry exists.</summary>
    /// <param name="key">The entry's key.</param>
    public bool ContainsKey(string key) => Peek(key, out _);

    /// <summary>Adds an entry; throws if the key exists.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">Its value.</param>
    public void Add(string key, TValue value)
    {
        if (ContainsKey(key))
        {
            throw new ArgumentException($"The table already has an entry '{key}'.", nameof(key));
        }

        this[key] = value;
    }

    /// <summary>Removes an entry.</summary>
    /// <param name="key">The entry's key.</param>
    /// <returns>Whether it existed.</returns>
    public bool Remove(string key)
    {
        if (!_rows.Remove(key))
        {
            Known(key);
            return false;
        }

        _changed.Add(key);
        if (IsPaged)
        {
            _absent.Add(key);
        }

        return true;
    }

    /// <summary>Removes every entry (of a paged table too: its next write deletes every stored row).</summary>
    public void Clear()
    {
        if (IsPaged)
        {
            ((IStateTable)this).Stored = false; // nothing stored counts any more, and the next write replaces every row
            _changed.Clear();
            _absent.Clear();
        }
        else
        {
            _changed.UnionWith(_rows.Keys);
        }

        _rows.Clear();
    }

    /// <summary>
    /// Paged tables: brings the stored rows of <paramref name="keys"/> into memory (one query for all), so that the
    /// synchronous members can look them up; a key without a row is then known to be absent. Keys already in memory
    /// or known absent cost nothing. On a table that is not paged, does nothing.
    /// </summary>
    /// <param name="keys">The keys the next changes or lookups need.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <remarks>Call it while no write of the state is in flight (a non-reentrant grain between its writes).</remarks>
    public async Task LoadAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        if (!IsPaged || _stored is not { } stored || !((IStateTable)this).Stored)
        {
            return; // everything is in memory (a table not written yet has no stored rows that count)
        }

        var missing = keys.Where(k => !_rows.ContainsKey(k) && !_absent.Contains(k)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length == 0)
        {
            return;
        }

        var found = await stored.LoadAsync(missing, cancellationToken);
        _absent.UnionWith(missing);
        foreach (var (key, value) in found)
        {
            if (_absent.Remove(key))
            {
                _rows[key] = stored.Deserialize<TValue>(value);
            }
        }
    }

    /// <summary>
    /// Reads up to <paramref name="limit"/> entries in ordinal key order after <paramref name="after"/> (descending:
    /// before it), as the table stands: its stored rows with the changes not yet written laid over them. For a table
    /// that is not paged, the same from memory. The entries are not kept in memory; do not mutate them.
    /// </summary>
    /// <param name="after">The key to start after (exclusive), or null for the first (descending: the last) key.</param>
    /// <param name="limit">The most entries to read from storage for this page.</param>
    /// <param name="descending">Whether to go from the highest key down.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>
    /// The page and the key to continue after, or null when nothing is left. A page may hold fewer than
    /// <paramref name="limit"/> entries and still have a next key (entries removed since the last write).
    /// </returns>
    /// <remarks>Keys compare ordinally (PostgreSQL: <c>COLLATE "C"</c>; SQLite: BINARY); keep them ASCII.</remarks>
    public async Task<StateTablePage<TValue>> ReadPageAsync(string? after, int limit, bool descending = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var sign = descending ? -1 : 1;
        bool Beyond(string key) => after is null || sign * string.CompareOrdinal(key, after) > 0;
        var entries = new Dictionary<string, TValue>(StringComparer.Ordinal);
        string? last = null;
        if (IsPaged && _stored is { } stored && ((IStateTable)this).Stored)
        {
            var page = await stored.ReadPageAsync(after, limit, descending, cancellationToken);
            foreach (var (key, value) in page)
            {
                if (!_changed.Contains(key))
                {
                    entries[key] = _rows.TryGetValue(key, out var resident) ? resident : stored.Deserialize<TValue>(value);
                }
            }

            last = page.Count == limit ? page[^1].Key : null;
            foreach (var key in _changed)
            {
                // Unwritten changes win over the stored rows; up to the page's last stored key, so nothing is skipped.
                if (_rows.TryGetValue(key, out var value) && Beyond(key) && (last is null || sign * string.CompareOrdinal(key, last) <= 0))
                {
                    entries[key] = value;
                }
            }
        }
        else
        {
            foreach (var (key, value) in _rows)
            {
                if (Beyond(key))
                {
                    entries[key] = value;
                }
            }

            if (entries.Count > limit)
            {
                last = entries.Keys.Order(Order(descending)).ElementAt(limit - 1);
                foreach (var key in entries.Keys.Where(k => sign * string.CompareOrdinal(k, last) > 0).ToArray())
                {
                    entries.Remove(key);
                }
            }
        }

        var ordered = entries.OrderBy(e => e.Key, Order(descending)).ToArray();
        return new StateTablePage<TValue>(ordered, last);
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => Whole()._rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    bool IStateTable.Stored { get; set; }

    int IStateTable.Changes => _changed.Count;

    void IStateTable.Page(IStoredRows stored, int residentRows)
    {
        _stored = stored;
        _resident = Math.Max(1, residentRows);
    }

    void IStateTable.Trim()
    {
        if (!IsPaged || _rows.Count + _absent.Count <= _resident)
        {
            return;
        }

        // Only rows whose stored copy is current may go: a change not written yet stays in memory until it is.
        foreach (var key in _rows.Keys.Where(k => !_changed.Contains(k)).ToArray())
        {
            _rows.Remove(key);
        }

        _absent.RemoveWhere(k => !_changed.Contains(k));
    }

    IReadOnlyList<(string Key, BinaryData? Value)> IStateTable.TakeChanges(Orleans.Storage.IGrainStorageSerializer serializer, bool all)
    {
        var keys = all ? _rows.Keys.ToArray() : [.. _changed];
        var changes = new List<(string, BinaryData?)>(keys.Length);
        foreach (var key in keys)
        {
            changes.Add((key, _rows.TryGetValue(key, out var value) ? serializer.Serialize(value) : null));
        }

        return changes;
    }

    void IStateTable.Written(IEnumerable<string> keys) => _changed.ExceptWith(keys);

    void IStateTable.Load(string key, BinaryData value, Orleans.Storage.IGrainStorageSerializer serializer)
        => _rows[key] = serializer.Deserialize<TValue>(value)!;

    // A paged table answers only for keys it holds or knows to be absent; anything else is a missing LoadAsync, which
    // would otherwise read as "no entry" and overwrite a stored row. A table whose rows are not stored has none to load.
    private void Known(string key)
    {
        if (IsPaged && ((IStateTable)this).Stored && !_absent.Contains(key))
        {
            throw new InvalidOperationException($"Entry '{key}' of a paged state table was not loaded: call LoadAsync with its key first.");
        }
    }

    private static IComparer<string> Order(bool descending)
        => descending ? Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)) : StringComparer.Ordinal;

    private StateTable<TValue> Whole()
        => IsPaged ? throw new InvalidOperationException("A paged state table is not held in memory whole: read it with ReadPageAsync.") : this;
}

/// <summary>A page of a <see cref="StateTable{TValue}"/> in key order.</summary>
/// <typeparam name="TValue">The entries' value.</typeparam>
/// <param name="Entries">The entries, in the order asked for.</param>
/// <param name="Next">The key to read the next page after, or null when nothing is left.</param>
public sealed record StateTablePage<TValue>(IReadOnlyList<KeyValuePair<string, TValue>> Entries, string? Next);

/// <summary>What the event-log storage needs of a <see cref="StateTable{TValue}"/>, whatever its value type.</summary>
internal interface IStateTable
{
    /// <summary>Whether the storage read or wrote this instance: if not, its next write replaces every stored row.</summary>
    bool Stored { get; set; }

    /// <summary>How many entries changed since the last write.</summary>
    int Changes { get; }

    /// <summary>The changed entries (or all, for a replacing write), serialized; null is a removal.</summary>
    IReadOnlyList<(string Key, BinaryData? Value)> TakeChanges(Orleans.Storage.IGrainStorageSerializer serializer, bool all);

    /// <summary>Forgets the changes of keys a write committed (a change made while it ran stays).</summary>
    void Written(IEnumerable<string> keys);

    /// <summary>Adds a stored entry while the state is read.</summary>
    void Load(string key, BinaryData value, Orleans.Storage.IGrainStorageSerializer serializer);

    /// <summary>Makes the table paged over <paramref name="stored"/>, keeping about <paramref name="residentRows"/> rows in memory.</summary>
    void Page(IStoredRows stored, int residentRows);

    /// <summary>Paged tables, after a write: drops the rows in memory whose stored copy is current once there are more than the resident count.</summary>
    void Trim();
}

/// <summary>The stored rows of one paged table, as its storage reads them.</summary>
internal interface IStoredRows
{
    /// <summary>The stored rows of <paramref name="keys"/> (those that exist).</summary>
    Task<IReadOnlyList<(string Key, BinaryData Value)>> LoadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> stored rows in ordinal key order after (descending: before) <paramref name="after"/>.</summary>
    Task<IReadOnlyList<(string Key, BinaryData Value)>> ReadPageAsync(string? after, int limit, bool descending, CancellationToken cancellationToken);

    /// <summary>A row's value, with the storage's serializer.</summary>
    T Deserialize<T>(BinaryData value);
}

/// <summary>Writes a <see cref="StateTable{TValue}"/> as an empty object in its state's JSON (its entries are rows of their own) and reads one as empty.</summary>
public sealed class StateTableJsonConverterFactory : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(StateTable<>);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
        => (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class Converter<TValue> : JsonConverter<StateTable<TValue>>
    {
        public override StateTable<TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            reader.Skip();
            return new StateTable<TValue>();
        }

        public override void Write(Utf8JsonWriter writer, StateTable<TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }
}
