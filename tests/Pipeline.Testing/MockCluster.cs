using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Pipeline.Tests.Support;

/// <summary>
/// librdkafka's in-process mock cluster: a real Kafka-protocol broker set on 127.0.0.1, driven through the C API
/// that the librdkafka shipped with Confluent.Kafka exports. Child processes connect to <see cref="Bootstrap"/>.
/// It keeps only a few MB per partition, so tests stay small.
/// </summary>
public sealed class MockCluster : IDisposable
{
    private static readonly IntPtr Library = LoadLibrary();
    private readonly IntPtr _client;
    private readonly IntPtr _cluster;

    public MockCluster(int brokers = 3)
    {
        var error = new byte[512];
        _client = Native<KafkaNew>("rd_kafka_new")(0, Native<ConfNew>("rd_kafka_conf_new")(), error, error.Length);
        if (_client == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + System.Text.Encoding.ASCII.GetString(error).TrimEnd('\0'));
        }

        _cluster = Native<MockClusterNew>("rd_kafka_mock_cluster_new")(_client, brokers);
        Bootstrap = Marshal.PtrToStringAnsi(Native<MockBootstraps>("rd_kafka_mock_cluster_bootstraps")(_cluster))!;

        // A consumer that dies without leaving is dropped after this long (the broker default is 45 s).
        Native<MockSetInt>("rd_kafka_mock_set_group_consumer_session_timeout_ms")(_cluster, 3000);
        Native<MockSetInt>("rd_kafka_mock_set_group_consumer_heartbeat_interval_ms")(_cluster, 300);
    }

    public string Bootstrap { get; }

    public void CreateTopic(string topic, int partitions)
    {
        var rc = Native<MockTopicCreate>("rd_kafka_mock_topic_create")(_cluster, topic, partitions, 1);
        if (rc != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_topic_create({topic}) returned {rc}");
        }
    }

    /// <summary>Makes every request about <paramref name="topic"/> fail with <paramref name="error"/> (0: no error again).</summary>
    public void TopicError(string topic, ErrorCode error) => Native<MockTopicSetError>("rd_kafka_mock_topic_set_error")(_cluster, topic, (int)error);

    public void BrokerDown(int id) => Native<MockBroker>("rd_kafka_mock_broker_set_down")(_cluster, id);

    public void BrokerUp(int id) => Native<MockBroker>("rd_kafka_mock_broker_set_up")(_cluster, id);

    /// <summary>Produces messages and waits until every one is acknowledged.</summary>
    public void Produce(string topic, IEnumerable<(string Key, byte[] Data)> messages)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Bootstrap, Acks = Acks.All, LingerMs = 5 }).Build();
        foreach (var (key, data) in messages)
        {
            producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = data });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        Native<MockClusterDestroy>("rd_kafka_mock_cluster_destroy")(_cluster);
        Native<KafkaDestroy>("rd_kafka_destroy")(_client);
    }

    private static T Native<T>(string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(Library, name));

    /// <summary>The glibc build that loads here (the default one needs libsasl2.so.3, which Debian does not have).</summary>
    private static IntPtr LoadLibrary()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native");
        foreach (var name in new[] { "librdkafka.so", "centos8-librdkafka.so", "centos7-librdkafka.so" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(dir, name), out var handle))
            {
                return handle;
            }
        }

        throw new InvalidOperationException("no librdkafka build in " + dir + " loads here");
    }

    private delegate IntPtr ConfNew();

    private delegate IntPtr KafkaNew(int type, IntPtr conf, byte[] error, nint size);

    private delegate void KafkaDestroy(IntPtr rk);

    private delegate IntPtr MockClusterNew(IntPtr rk, int brokers);

    private delegate void MockClusterDestroy(IntPtr cluster);

    private delegate IntPtr MockBootstraps(IntPtr cluster);

    private delegate int MockTopicCreate(IntPtr cluster, [MarshalAs(UnmanagedType.LPStr)] string topic, int partitions, int replication);

    private delegate int MockBroker(IntPtr cluster, int brokerId);

    private delegate void MockTopicSetError(IntPtr cluster, [MarshalAs(UnmanagedType.LPStr)] string topic, int error);

    private delegate void MockSetInt(IntPtr cluster, int value);
}
