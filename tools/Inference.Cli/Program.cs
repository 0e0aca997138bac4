using Inference.Cli.CommandLine;
using Inference.Cli.Commands;

// One program for the project's command-line work: make-model, make-lora, generate, embed, serve, bench-tokenizer, bench-model, bench,
// convert-gguf, simulate.
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Out.Write(Usage.Text);
    return args.Length == 0 ? 2 : 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cancellation.Cancel(); });

try
{
    var options = CommandArguments.Parse(args[1..]);
    return args[0] switch
    {
        "make-model" => MakeModelCommand.Run(options),
        "make-lora" => MakeLoraCommand.Run(options),
        "generate" => await GenerateCommand.RunAsync(options, cancellation.Token),
        "embed" => await EmbedCommand.RunAsync(options, cancellation.Token),
        "classify" => await ClassifyCommand.RunAsync(options, cancellation.Token),
        "serve" => await ServeCommand.RunAsync(options, cancellation.Token),
        "bench-tokenizer" => BenchTokenizerCommand.Run(options),
        "bench-model" => BenchModelCommand.Run(options),
        "bench" => await BenchCommand.RunAsync(options, cancellation.Token),
        "convert-gguf" => await ConvertGgufCommand.RunAsync(options, cancellation.Token),
        "simulate" => SimulateCommand.Run(options, cancellation.Token),
        _ => throw new UsageException($"unknown command '{args[0]}'; expected make-model, make-lora, generate, embed, classify, serve, bench-tokenizer, bench-model, bench, convert-gguf or simulate"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("run with --help for usage");
    return 2;
}
catch (GenerationValidationException e)
{
    // A request the engine refuses (for example a schema keyword structured output does not support).
    Console.Error.WriteLine($"error: {e.Field}: {e.Message}");
    return 2;
}
catch (Scheduler.Core.TaskNotSupportedException e)
{
    // The model does not do what the command asks (generate with a classifier, embed with one).
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or Tokenizer.Core.Loading.TokenizerLoadException)
{
    // A model folder (or GGUF file) the loader or the tokenizer cannot use: its message names the file and the field.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    return 130;
}
