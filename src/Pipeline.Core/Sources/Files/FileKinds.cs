using System.Runtime.InteropServices;

namespace Pipeline.Sources.Files;

/// <summary>What a path is, beyond what <see cref="FileSystemInfo"/> says (it calls a FIFO, a socket and a device "Normal").</summary>
internal enum FileKind
{
    Regular,
    Directory,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Missing,
    Other,
}

/// <summary>
/// File types and canonical paths through the runtime's own POSIX shim (<c>libSystem.Native</c>, as
/// <see cref="File"/> uses it): opening a FIFO blocks until a writer comes, so it must be known before it is opened,
/// and a symlink loop is seen only by comparing the real paths of directories.
/// </summary>
internal static unsafe partial class FileKinds
{
    // The shim's FileStatus starts with Flags (int), Mode (int), Uid, Gid (uint) and Size (long); Mode's file type
    // uses these fixed values.
    private const int ModeOffset = 4;
    private const int SizeOffset = 16;
    private const int TypeMask = 0xF000;

    /// <summary>The kind of what <paramref name="path"/> names, following symlinks.</summary>
    public static FileKind Of(string path) => Of(path, out _);

    /// <summary>
    /// The kind of what <paramref name="path"/> names and its size in bytes, following symlinks: one stat call (an
    /// archive of many small log files was scanned with three per file).
    /// </summary>
    public static FileKind Of(string path, out long size)
    {
        size = 0;
        if (OperatingSystem.IsWindows())
        {
            if (File.Exists(path))
            {
                size = new FileInfo(path).Length;
                return FileKind.Regular;
            }

            return Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        var status = stackalloc byte[512];
        if (Stat(path, status) != 0)
        {
            return FileKind.Missing;
        }

        size = *(long*)(status + SizeOffset);
        return (*(int*)(status + ModeOffset) & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
    }

    /// <summary>True when <paramref name="path"/> is itself a symlink (not followed).</summary>
    public static bool IsLink(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileInfo(path).LinkTarget is not null;
        }

        var status = stackalloc byte[512];
        return LStat(path, status) == 0 && (*(int*)(status + ModeOffset) & TypeMask) == 0xA000;
    }

    /// <summary>The path with every symlink resolved, or null when it cannot be resolved (dangling, no permission).</summary>
    public static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.GetFullPath(path);
        }

        return NativeRealPath(path);
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* output);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte* output);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_RealPath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial string? NativeRealPath(string path);
}
