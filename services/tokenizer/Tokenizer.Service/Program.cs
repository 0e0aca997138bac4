using Tokenizer.Core.Loading;
using Tokenizer.Service.Hosting;

WebApplication app;
try
{
    app = TokenizerApp.Build(args);
}
catch (TokenizerLoadException)
{
    return 1; // Build logged why.
}
app.Run();
return 0;
