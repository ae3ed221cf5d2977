namespace Pipeline.Tests.Support;

/// <summary>Where the repository, the golden corpus and the built CLI are.</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Corpus => Path.Combine(AppContext.BaseDirectory, "Golden", "corpus");

    /// <summary>Delivered forms in the shapes AWS documents (Golden/forms/SOURCES.md).</summary>
    public static string Forms => Path.Combine(AppContext.BaseDirectory, "Golden", "forms");

    /// <summary>
    /// The CLI as its own build left it (<c>src/Pipeline.Cli/bin/CONFIG/net10.0</c>, built by the test project's
    /// reference), as a user runs it. The copy in a test's output folder can lack assemblies: next to the worker (an
    /// ASP.NET Core app) the build leaves out those the ASP.NET Core framework has, which the CLI does not load.
    /// </summary>
    public static string CliDll { get; } = FindCli();

    private static string FindCli()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var own = Path.Combine(RepoRoot, "src", "Pipeline.Cli", "bin", output.Parent!.Name, output.Name, "pipeline.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
    }

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
public sealed class TempDir : IDisposable
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
