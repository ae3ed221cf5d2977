# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image builds and publishes the CLI (/app/cli/pipeline.dll) and the worker
# (/app/worker/pipeline-worker.dll); the runtime image is ASP.NET Core's (the worker serves health and metrics),
# running as an unprivileged user. Both are published ReadyToRun for the image's architecture (amd64 or arm64,
# from buildx's TARGETARCH): compiled ahead of time, so a command or a pod starts in about half the time and the
# first minutes are not spent JIT-compiling (bench/RESULTS.md, "ReadyToRun").
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH=amd64
WORKDIR /src
# Project files first, so a code change does not invalidate the restore layer.
COPY Directory.Build.props Directory.Packages.props Pipeline.sln ./
COPY src/Pipeline.Core/Pipeline.Core.csproj src/Pipeline.Core/
COPY src/Pipeline.Aws/Pipeline.Aws.csproj src/Pipeline.Aws/
COPY src/Pipeline.Athena/Pipeline.Athena.csproj src/Pipeline.Athena/
COPY src/Pipeline.Reporting/Pipeline.Reporting.csproj src/Pipeline.Reporting/
COPY src/Pipeline.Kinesis/Pipeline.Kinesis.csproj src/Pipeline.Kinesis/
COPY src/Pipeline.Kafka/Pipeline.Kafka.csproj src/Pipeline.Kafka/
COPY src/Pipeline.S3/Pipeline.S3.csproj src/Pipeline.S3/
COPY src/Pipeline.Sqs/Pipeline.Sqs.csproj src/Pipeline.Sqs/
COPY src/Pipeline.Cli/Pipeline.Cli.csproj src/Pipeline.Cli/
COPY src/Pipeline.Worker/Pipeline.Worker.csproj src/Pipeline.Worker/
RUN dotnet restore src/Pipeline.Cli -a $TARGETARCH -p:PublishReadyToRun=true \
 && dotnet restore src/Pipeline.Worker -a $TARGETARCH -p:PublishReadyToRun=true
COPY schemas/ schemas/
COPY src/ src/
RUN dotnet publish src/Pipeline.Cli -c Release -a $TARGETARCH --self-contained false -p:PublishReadyToRun=true --no-restore -o /out/cli \
 && dotnet publish src/Pipeline.Worker -c Release -a $TARGETARCH --self-contained false -p:PublishReadyToRun=true --no-restore -o /out/worker

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN groupadd --gid 10001 pipeline && useradd --uid 10001 --gid 10001 --create-home pipeline \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /out /app
USER 10001
WORKDIR /home/pipeline
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
EXPOSE 8080
# The CLI by default; the worker with: dotnet /app/worker/pipeline-worker.dll
ENTRYPOINT ["dotnet", "/app/cli/pipeline.dll"]
CMD ["--help"]
