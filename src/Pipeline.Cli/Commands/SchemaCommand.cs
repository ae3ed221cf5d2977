using System.CommandLine;
using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Queries;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline schema athena|parquet</c>: the table's DDL for a user's bucket, or its Parquet schema.</summary>
internal static class SchemaCommand
{
    private static readonly Option<string> Location = new("--location") { Description = "The lake in S3: s3://BUCKET/PREFIX (the folder holding tls_events/).", Required = true };
    private static readonly Option<string?> Accounts = new("--accounts") { Description = "The organization's account IDs for the account_id projection (comma-separated)." };
    private static readonly Option<string?> AccountsFromLake = new("--accounts-from-lake") { Description = "Take the account IDs from the lake's account_id= folders: a local lake, or s3://BUCKET/PREFIX (listed, nothing read)." };
    private static readonly Option<bool> Apply = new("--apply") { Description = "Create or update the database, the table and the views on Athena, instead of printing them." };
    private static readonly Option<string?> Endpoint = new("--endpoint") { Description = "--apply: the Athena endpoint (default Athena's own in the region)." };
    private static readonly AthenaFlags AthenaSettings = new();
    private static readonly Option<string?> Owners = new("--owners") { Description = "Take the account IDs from an owners file (organizations list-accounts JSON or CSV)." };

    public static Command Create()
    {
        var athena = new Command("athena", "The Athena table (partition projection) and views for a lake in S3: printed, or created with --apply.") { Location, Accounts, AccountsFromLake, Owners, Apply, Endpoint };
        AthenaSettings.AddTo(athena);
        athena.SetAction((result, ct) => CliErrors.Run(() => AthenaAsync(result, ct)));
        var parquet = new Command("parquet", "Print the machine-readable Parquet schema of tls_events (column, types, meaning).");
        parquet.SetAction((_, _) => CliErrors.Run(() =>
        {
            System.Console.Out.Write(AthenaDdl.ParquetSchema());
            return Task.FromResult(0);
        }));
        return new Command("schema", "The tls_events table's definitions.") { athena, parquet };
    }

    private static async Task<int> AthenaAsync(ParseResult parse, CancellationToken ct)
    {
        var apply = parse.GetValue(Apply);
        if (!apply)
        {
            // Where the DDL would run means nothing when it is only printed (--region and --s3-endpoint serve the listing).
            Option[] applyOnly = [Endpoint, AthenaSettings.Workgroup, AthenaSettings.Database, AthenaSettings.OutputLocation, AthenaSettings.UsdPerTb];
            if (applyOnly.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } flag)
            {
                throw new UsageException($"{flag.Name} is for --apply");
            }
        }

        var location = parse.GetValue(Location)!;
        var accounts = await AccountsAsync(parse, ct).ConfigureAwait(false);
        IReadOnlyList<(string Name, string Sql)> statements;
        var database = apply ? AthenaSettings.Options(parse).Database : "pipeline";
        try
        {
            statements = AthenaDdl.Statements(location, accounts, database);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        if (!apply)
        {
            // The table as the file has it (its header explains the placeholders), then the views.
            System.Console.Out.Write(AthenaDdl.Render(location, accounts));
            foreach (var view in AthenaDdl.ViewNames)
            {
                System.Console.Out.Write("\n" + AthenaDdl.View(view) + ";\n");
            }

            return 0;
        }

        var options = AthenaSettings.Options(parse);
        using var client = AthenaSettings.Client(parse, parse.GetValue(Endpoint));
        var queries = new Pipeline.Athena.AthenaQueries(client, options, TimeProvider.System, line => System.Console.Error.WriteLine("schema: " + line));
        foreach (var (name, sql) in statements)
        {
            try
            {
                await queries.RunAsync(name, sql, ct, readRows: false).ConfigureAwait(false);
            }
            catch (Pipeline.Athena.Client.AthenaQueryException e)
            {
                throw new UsageException(e.Message);
            }
            catch (Pipeline.Athena.Client.AthenaException e)
            {
                throw new UsageException(AthenaFlags.Describe(e));
            }
        }

        System.Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{options.Database}.tls_events over {location.TrimEnd('/')}/tls_events/ for {accounts.Count} accounts, and views {string.Join(", ", AthenaDdl.ViewNames)}"));
        return 0;
    }

    private static async Task<SortedSet<string>> AccountsAsync(ParseResult parse, CancellationToken ct)
    {
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        if (parse.GetValue(Accounts) is { } list)
        {
            accounts.UnionWith(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (parse.GetValue(AccountsFromLake) is { } lake)
        {
            if (lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            {
                using var s3 = Pipeline.S3.S3Clients.Create(parse.GetValue(AthenaSettings.Region), AthenaSettings.S3(parse));
                try
                {
                    var found = await Pipeline.S3.S3LakeDownload.AccountsAsync(s3, lake, ct).ConfigureAwait(false);
                    System.Console.Error.WriteLine($"schema: {found.Count} accounts in {lake}");
                    accounts.UnionWith(found);
                }
                catch (FormatException e)
                {
                    throw new UsageException(e.Message);
                }
            }
            else
            {
                var table = Path.Combine(lake, "tls_events");
                if (!Directory.Exists(table))
                {
                    throw new UsageException($"no lake at {lake} (no tls_events/ folder)");
                }

                accounts.UnionWith(Directory.EnumerateDirectories(table, "account_id=*", SearchOption.AllDirectories).Select(d => Path.GetFileName(d)["account_id=".Length..]));
            }
        }

        if (parse.GetValue(Owners) is { } owners)
        {
            accounts.UnionWith(OwnerDirectory.Load(owners).All.Select(o => o.AccountId));
        }

        return accounts;
    }
}
