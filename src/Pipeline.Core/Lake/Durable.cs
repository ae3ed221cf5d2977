using System.Runtime.InteropServices;

namespace Pipeline.Lake;

/// <summary>
/// fsync for files and directories, and atomic replace. A rename is durable only once the directory that
/// holds it is synced, which .NET has no API for, hence the two libc calls.
/// </summary>
public static partial class Durable
{
    /// <summary>Flushes a written file's data to disk.</summary>
    public static void SyncFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a directory's entries (renames, creates) to disk. A no-op where the OS has no such thing.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Writes a file so that readers see the old content or the whole new one, never a part.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp-" + Environment.ProcessId;
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        SyncDirectory(dir);
    }

    /// <summary>Creates a directory and makes its entry durable in every parent that had to be created.</summary>
    public static void CreateDirectory(string path) => CreateDirectory(path, syncLater: null);

    /// <summary>
    /// Creates a directory; the parents whose entries it added are synced now, or added to
    /// <paramref name="syncLater"/> for the caller to sync once each before it counts anything in them as durable
    /// (a publish creating 2,000 account folders under one date folder syncs the date folder once, not 2,000 times).
    /// </summary>
    public static void CreateDirectory(string path, ISet<string>? syncLater)
    {
        var missing = new Stack<string>();
        for (var d = Path.GetFullPath(path); !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Push(d);
        }

        Directory.CreateDirectory(path);
        foreach (var created in missing)
        {
            var parent = Path.GetDirectoryName(created)!;
            if (syncLater is null)
            {
                SyncDirectory(parent);
            }
            else
            {
                syncLater.Add(parent);
            }
        }
    }

    /// <summary>
    /// Swaps two directories in one step (Linux <c>renameat2(RENAME_EXCHANGE)</c>), so readers see either the old
    /// or the new contents, never neither. Returns false where the file system or OS cannot.
    /// </summary>
    public static bool TryExchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Renameat2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
