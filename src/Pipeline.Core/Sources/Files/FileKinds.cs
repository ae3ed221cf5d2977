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
    // The shim's FileStatus starts with Flags (int) and Mode (int); Mode's file type uses these fixed values.
    private const int ModeOffset = 4;
    private const int TypeMask = 0xF000;

    /// <summary>The kind of what <paramref name="path"/> names, following symlinks.</summary>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        var status = stackalloc byte[512];
        if (Stat(path, status) != 0)
        {
            return FileKind.Missing;
        }

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

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_RealPath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial string? NativeRealPath(string path);
}
