using Tokenizer.Service.Hosting;

TokenizerApp.Build(args).Run();
