using Pipeline.Cli.Commands;

return await PipelineCommand.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
