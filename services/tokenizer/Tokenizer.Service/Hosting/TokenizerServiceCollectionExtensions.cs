using Inference.Abstractions.Text;
using Microsoft.Extensions.Options;
using Tokenizer.Core;
using Tokenizer.Core.Loading;

namespace Tokenizer.Service.Hosting;

public static class TokenizerServiceCollectionExtensions
{
    /// <summary>Binds and validates the "Tokenizer" section and registers the loaded tokenizer.</summary>
    public static IServiceCollection AddQwenTokenizer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TokenizerServiceOptions>()
            .Bind(configuration.GetSection(TokenizerServiceOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenizerServiceOptions>, TokenizerServiceOptionsValidator>();
        services.AddSingleton(provider =>
        {
            TokenizerServiceOptions options = provider.GetRequiredService<IOptions<TokenizerServiceOptions>>().Value;
            QwenTokenizer tokenizer = QwenTokenizer.Load(options.ModelPath, new TokenizerOptions
            {
                MaxInputChars = options.MaxInputChars,
                ChatTemplate = options.ChatTemplate is { Length: > 0 } template ? ChatTemplateSource.Read(template) : null,
            });
            provider.GetRequiredService<ILogger<QwenTokenizer>>().TokenizerLoaded(
                options.ModelPath, tokenizer.VocabSize, tokenizer.ChatTemplate is not null, tokenizer.MaxInputChars);
            return tokenizer;
        });
        services.AddSingleton(provider => new LocalTextTokenizer(provider.GetRequiredService<QwenTokenizer>()));
        services.AddSingleton<ITextTokenizer>(provider => provider.GetRequiredService<LocalTextTokenizer>());
        return services;
    }
}
