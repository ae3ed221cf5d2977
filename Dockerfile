# Multi-stage build of the pipeline CLI. (The worker services and their images come with the Kinesis/Kafka issues.)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Pipeline.Cli -c Release -o /out

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
RUN useradd --uid 10001 --create-home pipeline
USER 10001
WORKDIR /home/pipeline
COPY --from=build /out /app
ENTRYPOINT ["dotnet", "/app/pipeline.dll"]
CMD ["--help"]
