using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Loading;
using Tokenizer.Service.Hosting;

namespace Tokenizer.Tests;

/// <summary>A chat template given in place of the model's (vLLM's --chat-template): a file, or the template itself.</summary>
public sealed class ChatTemplateOverrideTests : IDisposable
{
    private const string Template = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"template-{Guid.NewGuid():N}.jinja");

    public ChatTemplateOverrideTests() => File.WriteAllText(_file, Template);

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void TheGivenTemplate_RendersTheConversationInPlaceOfTheModels()
    {
        var tokenizer = new LocalTextTokenizer(QwenTokenizer.Load(Fixtures.Qwen25Directory, new TokenizerOptions { ChatTemplate = Template }));

        var prompt = tokenizer.RenderChatTemplate(new ChatTemplateInput(
            """[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello!"}]""", null, AddGenerationPrompt: true, null));

        Assert.Equal("[system] Be brief.\n[user] Hello!\n[assistant] ", prompt);
    }

    [Fact]
    public void Source_ReadsAFile_TakesATemplateAsItIs_AndRefusesAnythingElseNamingIt()
    {
        Assert.Equal(Template, ChatTemplateSource.Read(_file));
        Assert.Equal(Template, ChatTemplateSource.Read(Template));
        var error = Assert.Throws<TokenizerLoadException>(() => ChatTemplateSource.Read("/no/such/template.jinja"));
        Assert.Contains("/no/such/template.jinja", error.Message);
    }

    [Fact]
    public void Validator_RefusesAValueThatIsNeitherAFileNorATemplate_NamingTheSetting()
    {
        var options = new TokenizerServiceOptions { ModelPath = Fixtures.Qwen25Directory, ChatTemplate = "/no/such/template.jinja" };

        var result = new TokenizerServiceOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Tokenizer:ChatTemplate '/no/such/template.jinja'", StringComparison.Ordinal));
        Assert.True(new TokenizerServiceOptionsValidator().Validate(null, new TokenizerServiceOptions { ModelPath = Fixtures.Qwen25Directory, ChatTemplate = _file }).Succeeded);
    }
}
