using Pipeline.Projection;
using Pipeline.Schema;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Projection;

public sealed class RecordProjectorTests
{
    private const string Full = """
        {"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s",
         "accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/app","accountId":"111122223333"},"attributes":{"mfaAuthenticated":"false"}}},
         "eventTime":"2024-05-01T23:59:59Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"eu-west-1","sourceIPAddress":"10.0.0.1",
         "userAgent":"aws-sdk-java/1.11.119 java/1.7.0_80","errorCode":"AccessDenied","requestParameters":null,"responseElements":null,"eventID":"id-1",
         "readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"444455556666","vpcEndpointId":"vpce-0123","eventCategory":"Management",
         "sessionCredentialFromConsole":true,"tlsDetails":{"tlsVersion":"TLSv1.1","cipherSuite":"AES128-SHA","clientProvidedHostHeader":"kms.eu-west-1.amazonaws.com","keyExchange":"x25519"}}
        """;

    [Fact]
    public void ReadObject_FullRecord_FillsEveryColumn()
    {
        var row = Assert.Single(CapturingSink.Decode(Utf8(Full)).Rows);

        Assert.Equal(new DateTime(2024, 5, 1, 23, 59, 59, DateTimeKind.Utc), row.EventTime);
        Assert.Equal(444455556666, row.Account);
        var expected = new Dictionary<string, string?>
        {
            ["event_id"] = "id-1", ["region"] = "eu-west-1", ["event_source"] = "kms.amazonaws.com", ["event_name"] = "Decrypt",
            ["tls_version"] = "TLSv1.1", ["cipher_suite"] = "AES128-SHA", ["client_host"] = "kms.eu-west-1.amazonaws.com",
            ["user_agent"] = "aws-sdk-java/1.11.119 java/1.7.0_80", ["source_ip"] = "10.0.0.1", ["principal_type"] = "AssumedRole",
            ["principal_arn"] = "arn:aws:sts::111122223333:assumed-role/app/s", ["caller_account_id"] = "111122223333",
            ["access_key_id"] = "ASIAEXAMPLE", ["vpc_endpoint_id"] = "vpce-0123", ["error_code"] = "AccessDenied",
            ["session_issuer_arn"] = "arn:aws:iam::111122223333:role/app", ["event_type"] = "AwsApiCall", ["event_category"] = "Management",
            ["console_session"] = "true",
        };
        Assert.Equal(expected.OrderBy(k => k.Key), row.Values.OrderBy(k => k.Key));
        Assert.Equal(TlsEventSchema.StringColumns.Count, row.Values.Count);
    }

    [Theory]
    [InlineData("true", "true")]
    [InlineData("\"true\"", "true")]
    [InlineData("false", "false")]
    [InlineData("null", null)]
    [InlineData("{}", null)]
    public void ReadObject_SessionCredentialFromConsole_StoredAsOneSpelling(string json, string? expected)
    {
        var row = Assert.Single(CapturingSink.Decode(Utf8(Full.Replace("\"sessionCredentialFromConsole\":true", "\"sessionCredentialFromConsole\":" + json, StringComparison.Ordinal))).Rows);

        Assert.Equal(expected, row["console_session"]);
    }

    [Fact]
    public void ReadObject_KeysInAnyOrder_GiveTheSameRow()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Full);
        var reversed = "{" + string.Join(",", doc.RootElement.EnumerateObject().Reverse().Select(p => System.Text.Json.JsonSerializer.Serialize(p.Name) + ":" + p.Value.GetRawText())) + "}";

        var a = Assert.Single(CapturingSink.Decode(Utf8(Full)).Rows);
        var b = Assert.Single(CapturingSink.Decode(Utf8(reversed)).Rows);

        Assert.Equal(a.Values.OrderBy(k => k.Key), b.Values.OrderBy(k => k.Key));
    }

    [Fact]
    public void ReadObject_NoTlsDetails_LeavesTlsColumnsNull()
    {
        var row = Assert.Single(CapturingSink.Decode(Utf8(Record("a").Replace(",\"tlsDetails\":{\"tlsVersion\":\"TLSv1\",\"cipherSuite\":\"ECDHE-RSA-AES128-SHA\",\"clientProvidedHostHeader\":\"s3.amazonaws.com\"}", string.Empty, StringComparison.Ordinal))).Rows);

        Assert.Null(row["tls_version"]);
        Assert.Null(row["cipher_suite"]);
        Assert.Null(row["client_host"]);
    }

    [Theory]
    [InlineData("null", null)]
    [InlineData("true", null)]
    [InlineData("{\"a\":[1,2,{\"b\":3}]}", null)]
    [InlineData("[\"x\"]", null)]
    [InlineData("\"\"", "")]
    [InlineData("12345", "12345")]
    [InlineData("1e400", "1e400")]
    [InlineData("\"caf\\u00e9 \\\"q\\\" \\\\ \\ud83d\\ude00 \\n\"", "café \"q\" \\ 😀 \n")]
    [InlineData("\"日本語のクライアント\"", "日本語のクライアント")]
    public void ReadObject_UserAgentOfAnyType_ProjectsToStringOrNull(string json, string? expected)
    {
        var record = Record("a").Replace("\"userAgent\":\"aws-cli/1.16.96 Python/2.7.5\"", "\"userAgent\":" + json, StringComparison.Ordinal);

        var row = Assert.Single(CapturingSink.Decode(Utf8(record)).Rows);

        Assert.Equal(expected, row["user_agent"]);
    }

    [Fact]
    public void ReadObject_TlsDetailsNotAnObject_LeavesTlsNullAndKeepsRecord()
    {
        var record = Record("a", extra: "").Replace("\"tlsDetails\":{\"tlsVersion\":\"TLSv1\",\"cipherSuite\":\"ECDHE-RSA-AES128-SHA\",\"clientProvidedHostHeader\":\"s3.amazonaws.com\"}", "\"tlsDetails\":\"TLSv1.2\"", StringComparison.Ordinal);

        var row = Assert.Single(CapturingSink.Decode(Utf8(record)).Rows);

        Assert.Null(row["tls_version"]);
    }

    [Fact]
    public void ReadObject_DeepNestingAndHugeNumbersElsewhere_DoNotDisturbProjection()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":[", 1500)) + "1" + string.Concat(Enumerable.Repeat("]}", 1500));
        var record = Record("a", extra: $",\"requestParameters\":{deep},\"n\":123456789012345678901234567890123456789,\"m\":-1.5e-999,\"unknown\":{{\"eventID\":\"nested-not-top\"}}");

        var row = Assert.Single(CapturingSink.Decode(Utf8(record)).Rows);

        Assert.Equal("a", row["event_id"]);
        Assert.Equal("TLSv1", row["tls_version"]);
    }

    [Fact]
    public void ReadObject_FieldNamesAreCaseExact()
    {
        var record = Record("a").Replace("\"eventID\"", "\"eventid\"", StringComparison.Ordinal);

        var sink = CapturingSink.Decode(Utf8(record));

        Assert.Equal(RejectReason.MissingEventId, Assert.Single(sink.Rejects).Reason);
    }

    [Fact]
    public void ReadObject_EscapedPropertyName_IsRecognised()
    {
        var record = Record("a").Replace("\"eventName\"", "\"event\\u004eame\"", StringComparison.Ordinal);

        Assert.Equal("GetObject", Assert.Single(CapturingSink.Decode(Utf8(record)).Rows)["event_name"]);
    }

    [Fact]
    public void ReadObject_HostileStrings_AreKeptVerbatim()
    {
        const string hostile = "<script>alert(1)</script> =HYPERLINK(\"http://x\") \u202E";
        var record = Record("a").Replace("aws-cli/1.16.96 Python/2.7.5", System.Text.Json.JsonEncodedText.Encode(hostile).ToString(), StringComparison.Ordinal);

        Assert.Equal(hostile, Assert.Single(CapturingSink.Decode(Utf8(record)).Rows)["user_agent"]);
    }

    [Theory]
    [InlineData("\"eventTime\":\"2024-05-01T12:00:00Z\",", RejectReason.MissingEventTime)]
    [InlineData("\"eventID\":\"a\",", RejectReason.MissingEventId)]
    public void ReadObject_MissingRequiredField_IsRejected(string remove, RejectReason reason)
    {
        var sink = CapturingSink.Decode(Utf8(Record("a").Replace(remove, string.Empty, StringComparison.Ordinal)));

        Assert.Equal(reason, Assert.Single(sink.Rejects).Reason);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("../../etc/passwd")]
    [InlineData("1234567890123")]
    [InlineData("12345678901a")]
    public void ReadObject_UnsafeRecipientAccount_IsRejectedNotUsedAsFolder(string account)
    {
        var sink = CapturingSink.Decode(Utf8(Record("a").Replace("\"recipientAccountId\":\"123456789012\"", "\"recipientAccountId\":" + System.Text.Json.JsonSerializer.Serialize(account), StringComparison.Ordinal)));

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.BadRecipientAccount, reject.Reason);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void ReadObject_RecipientAccountAsNumber_IsAccepted()
    {
        var sink = CapturingSink.Decode(Utf8(Record("a").Replace("\"recipientAccountId\":\"123456789012\"", "\"recipientAccountId\":123456789012", StringComparison.Ordinal)));

        Assert.Equal(123456789012, Assert.Single(sink.Rows).Account);
    }
}
