using Pipeline.Worker.Hosting;

// The worker's one composition point. Configuration: appsettings.json, then environment variables (Worker__Lake,
// Kinesis__Stream, Kinesis__LeaseTable, …), then the command line; every option validated at start.
var builder = WebApplication.CreateSlimBuilder(args).AddWorkerLogging();
builder.Services.AddWorkerIngest(builder.Configuration);
var app = builder.Build().MapWorkerEndpoints();
await app.RunAsync().ConfigureAwait(false);
