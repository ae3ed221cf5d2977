using System.CommandLine;
using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Queries;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline schema athena|parquet</c>: the table's DDL for a user's bucket, or its Parquet schema.</summary>
internal static class SchemaCommand
{
    private static readonly Option<string> Location = new("--location") { Description = "The lake in S3: s3://BUCKET/PREFIX (the folder holding tls_events/).", Required = true };
    private static readonly Option<string?> Accounts = new("--accounts") { Description = "The organization's account IDs for the account_id projection (comma-separated)." };
    private static readonly Option<string?> AccountsFromLake = new("--accounts-from-lake") { Description = "Take the account IDs from a local copy of the lake's account_id= folders." };
    private static readonly Option<string?> Owners = new("--owners") { Description = "Take the account IDs from an owners file (organizations list-accounts JSON or CSV)." };

    public static Command Create()
    {
        var athena = new Command("athena", "Print the Athena CREATE EXTERNAL TABLE (partition projection) for a lake in S3.") { Location, Accounts, AccountsFromLake, Owners };
        athena.SetAction((result, _) => CliErrors.Run(() => Task.FromResult(Athena(result))));
        var parquet = new Command("parquet", "Print the machine-readable Parquet schema of tls_events (column, types, meaning).");
        parquet.SetAction((_, _) => CliErrors.Run(() =>
        {
            System.Console.Out.Write(AthenaDdl.ParquetSchema());
            return Task.FromResult(0);
        }));
        return new Command("schema", "The tls_events table's definitions.") { athena, parquet };
    }

    private static int Athena(ParseResult parse)
    {
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        if (parse.GetValue(Accounts) is { } list)
        {
            accounts.UnionWith(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (parse.GetValue(AccountsFromLake) is { } lake)
        {
            var table = Path.Combine(lake, "tls_events");
            if (!Directory.Exists(table))
            {
                throw new UsageException($"no lake at {lake} (no tls_events/ folder)");
            }

            accounts.UnionWith(Directory.EnumerateDirectories(table, "account_id=*", SearchOption.AllDirectories).Select(d => Path.GetFileName(d)["account_id=".Length..]));
        }

        if (parse.GetValue(Owners) is { } owners)
        {
            accounts.UnionWith(OwnerDirectory.Load(owners).All.Select(o => o.AccountId));
        }

        try
        {
            System.Console.Out.Write(AthenaDdl.Render(parse.GetValue(Location)!, accounts));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return 0;
    }
}
