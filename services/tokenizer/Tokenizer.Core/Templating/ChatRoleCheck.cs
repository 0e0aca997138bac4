using System.Collections.Concurrent;
using Inference.Abstractions.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Refuses a message whose role the chat template does not render. Templates dispatch on the role and many have no
/// branch for the others: Qwen's print user, assistant, system and tool messages and leave any other out of the prompt
/// without a word, so a client's <c>"role": "function"</c> (OpenAI's deprecated tool result) or a misspelt role would
/// be answered as if the message had not been sent. OpenAI refuses such roles; templates that print every role as
/// given (Llama 3's) keep working because the check asks the template itself: each role other than user and assistant
/// is rendered once in a probe (alone, and after a user message) and accepted if its text appears. A probe the template
/// raises an error on accepts the role, so the real render reports its own error.
/// </summary>
internal sealed class ChatRoleCheck(Func<List<object?>, string> render)
{
    private const string Marker = "chat-role-probe-4c1d7e";

    /// <summary>Enough for every role a template names; beyond it a role is probed every time (a probe is one small render).</summary>
    private const int MaxCachedRoles = 64;

    private readonly ConcurrentDictionary<string, bool> _rendered = new(StringComparer.Ordinal);

    /// <exception cref="ChatTemplateException">A message whose role the template leaves out, named by its index.</exception>
    public void Require(List<object?> messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is OrderedDictionary<string, object?> message
                && message.GetValueOrDefault("role") is string role and not ("user" or "assistant")
                && !Renders(role))
            {
                throw new ChatTemplateException(
                    $"messages[{i}].role is '{role}', a role the model's chat template does not render: the message would be left out of the prompt");
            }
        }
    }

    private bool Renders(string role)
    {
        if (_rendered.TryGetValue(role, out var renders))
        {
            return renders;
        }

        renders = Probe([Message(role, Marker)]) || Probe([Message("user", "hello"), Message(role, Marker)]);
        if (_rendered.Count < MaxCachedRoles)
        {
            _rendered.TryAdd(role, renders);
        }

        return renders;
    }

    private bool Probe(List<object?> messages)
    {
        try
        {
            return render(messages).Contains(Marker, StringComparison.Ordinal);
        }
        catch (ChatTemplateException)
        {
            return true;
        }
    }

    private static OrderedDictionary<string, object?> Message(string role, string content) =>
        new() { ["role"] = role, ["content"] = content };
}
