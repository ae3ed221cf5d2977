namespace Pipeline.Tests.Support;

/// <summary>Where the repository, the golden corpus and the built CLI are.</summary>
internal static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Corpus => Path.Combine(AppContext.BaseDirectory, "Golden", "corpus");

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "pipeline.dll");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
