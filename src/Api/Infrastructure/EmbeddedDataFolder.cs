using Microsoft.Data.Sqlite;
using OrderActors.Grains.Hosting;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// One embedded process per SQLite data folder: a second API started on the same folder would run a second silo on
/// the same file, with two activations of every grain. The first process holds an exclusive lock file beside the
/// database while its host lives (the host disposes it); the second is refused at start with a message that says so.
/// </summary>
internal static class EmbeddedDataFolder
{
    public static void Lock(IServiceCollection services, StorageSettings storage, string contentRoot)
    {
        if (storage.IsPostgreSql)
        {
            return;
        }

        var file = new SqliteConnectionStringBuilder(storage.ConnectionString).DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:")
        {
            return;
        }

        var path = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(contentRoot, file));
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var lockPath = path + ".lock";
        try
        {
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            services.AddSingleton(_ => new DataFolderLock(stream)); // created by the container, so disposed with the host
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"Another OrderActors process is already running on the data folder '{folder}' ({Path.GetFileName(path)} is locked by {Path.GetFileName(lockPath)}). " +
                "Stop it, or give this one its own OrderActors:Storage:ConnectionString.", ex);
        }
    }
}

/// <summary>The held lock file of an embedded data folder; released when the host is disposed.</summary>
internal sealed class DataFolderLock(FileStream stream) : IDisposable
{
    public void Dispose() => stream.Dispose();
}
