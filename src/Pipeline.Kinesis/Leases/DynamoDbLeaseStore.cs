using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Kinesis.Client;

namespace Pipeline.Kinesis.Leases;

/// <summary>
/// Leases in a DynamoDB table shared by every worker of a stream. Each item is one shard
/// (<c>leaseKey</c> = <c>STREAM/SHARD</c>, so one table can serve several streams). Every change is a conditional
/// write: a take-over on the counter the taker saw, a renewal and a checkpoint on the owner, so two workers can
/// never both believe they hold a shard past the next write.
/// </summary>
public sealed class DynamoDbLeaseStore(IAmazonDynamoDB dynamo, string table, string streamName) : ILeaseStore
{
    private const string Key = "leaseKey";
    private const string Owner = "leaseOwner";
    private const string Counter = "leaseCounter";
    private const string Checkpoint = "checkpoint";
    private const string Ended = "ended";
    private const string Parents = "parents";
    private readonly string _prefix = streamName + "/";

    public bool IsShared => true;

    public async Task InitializeAsync(CancellationToken ct)
    {
        try
        {
            await dynamo.DescribeTableAsync(table, ct).ConfigureAwait(false);
            return;
        }
        catch (ResourceNotFoundException)
        {
            // Created below.
        }

        try
        {
            await dynamo.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = table,
                    KeySchema = [new KeySchemaElement(Key, KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition(Key, ScalarAttributeType.S)],
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                },
                ct).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Another worker created it first.
        }

        for (var i = 0; i < 600; i++)
        {
            var status = (await dynamo.DescribeTableAsync(table, ct).ConfigureAwait(false)).Table.TableStatus;
            if (status == TableStatus.ACTIVE)
            {
                return;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"lease table {table} did not become ACTIVE");
    }

    public async Task EnsureLeasesAsync(IReadOnlyList<Shard> shards, CancellationToken ct)
    {
        var existing = (await ListAsync(ct).ConfigureAwait(false)).Select(l => l.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards.Where(s => !existing.Contains(s.ShardId)))
        {
            var item = new Dictionary<string, AttributeValue>
            {
                [Key] = new(_prefix + shard.ShardId),
                [Counter] = new() { N = "0" },
                [Ended] = new() { BOOL = false },
            };
            if (shard.Parents.Count > 0)
            {
                item[Parents] = new() { SS = [.. shard.Parents] };
            }

            try
            {
                await dynamo.PutItemAsync(
                    new PutItemRequest { TableName = table, Item = item, ConditionExpression = "attribute_not_exists(#k)", ExpressionAttributeNames = new() { ["#k"] = Key } },
                    ct).ConfigureAwait(false);
            }
            catch (ConditionalCheckFailedException)
            {
                // Another worker added it.
            }
        }
    }

    public async Task<IReadOnlyList<ShardLease>> ListAsync(CancellationToken ct)
    {
        var leases = new List<ShardLease>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(
                new ScanRequest
                {
                    TableName = table,
                    ConsistentRead = true,
                    ExclusiveStartKey = start,
                    FilterExpression = "begins_with(#k, :p)",
                    ExpressionAttributeNames = new() { ["#k"] = Key },
                    ExpressionAttributeValues = new() { [":p"] = new(_prefix) },
                },
                ct).ConfigureAwait(false);
            leases.AddRange(page.Items.Select(ToLease));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return leases;
    }

    public async Task<ShardLease?> TryTakeAsync(ShardLease seen, string owner, CancellationToken ct)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = table,
                    Key = KeyOf(seen.ShardId),
                    UpdateExpression = "SET #o = :me, #c = #c + :one",
                    ConditionExpression = "#c = :seen",
                    ExpressionAttributeNames = new() { ["#o"] = Owner, ["#c"] = Counter },
                    ExpressionAttributeValues = new()
                    {
                        [":me"] = new(owner),
                        [":one"] = new() { N = "1" },
                        [":seen"] = new() { N = seen.Counter.ToString(CultureInfo.InvariantCulture) },
                    },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                ct).ConfigureAwait(false);
            return ToLease(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task<ShardLease?> TryRenewAsync(ShardLease held, CancellationToken ct)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = table,
                    Key = KeyOf(held.ShardId),
                    UpdateExpression = "SET #c = #c + :one",
                    ConditionExpression = "#o = :me",
                    ExpressionAttributeNames = new() { ["#o"] = Owner, ["#c"] = Counter },
                    ExpressionAttributeValues = new() { [":me"] = new(held.Owner), [":one"] = new() { N = "1" } },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                ct).ConfigureAwait(false);
            return ToLease(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task<bool> TryCheckpointAsync(string shardId, string owner, string? sequenceNumber, bool ended, CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#o"] = Owner, ["#e"] = Ended };
        var values = new Dictionary<string, AttributeValue> { [":me"] = new(owner), [":ended"] = new() { BOOL = ended } };
        var update = "SET #e = :ended";
        if (sequenceNumber is not null)
        {
            names["#cp"] = Checkpoint;
            values[":cp"] = new(sequenceNumber);
            update += ", #cp = :cp";
        }

        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = table,
                    Key = KeyOf(shardId),
                    UpdateExpression = update,
                    ConditionExpression = "#o = :me",
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                },
                ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task ReleaseAsync(string shardId, string owner, CancellationToken ct)
    {
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = table,
                    Key = KeyOf(shardId),
                    UpdateExpression = "REMOVE #o SET #c = #c + :one",
                    ConditionExpression = "#o = :me",
                    ExpressionAttributeNames = new() { ["#o"] = Owner, ["#c"] = Counter },
                    ExpressionAttributeValues = new() { [":me"] = new(owner), [":one"] = new() { N = "1" } },
                },
                ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Not ours any more: nothing to give up.
        }
    }

    private Dictionary<string, AttributeValue> KeyOf(string shardId) => new() { [Key] = new(_prefix + shardId) };

    private ShardLease ToLease(Dictionary<string, AttributeValue> item) => new(
        item[Key].S[_prefix.Length..],
        item.TryGetValue(Owner, out var o) ? o.S : null,
        item.TryGetValue(Counter, out var c) ? long.Parse(c.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue(Checkpoint, out var cp) ? cp.S : null,
        item.TryGetValue(Ended, out var e) && e.BOOL == true,
        item.TryGetValue(Parents, out var p) && p.SS is { Count: > 0 } ss ? [.. ss] : []);
}
