namespace Pipeline.Tests.Support;

/// <summary>Tests of this assembly that share the local servers (started once per test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class LocalAwsCollection : ICollectionFixture<LocalAws>
{
    public const string Name = "local aws";
}
