namespace Tokenizer.Core.Templating;

/// <summary>
/// How a chat template reads a message's content, which decides what the conversation hands it (vLLM's
/// <c>--chat-template-content-format auto</c>): <see cref="String"/> for templates that print
/// <c>message.content</c> as text (Qwen2.5, Qwen3: content parts are joined into one string), <see cref="OpenAi"/> for
/// templates that loop over <c>message['content']</c> as a list of typed parts (content becomes such a list).
/// </summary>
public enum ChatContentFormat
{
    String,
    OpenAi,
}

/// <summary>
/// Finds the format the way vLLM does, on the template's syntax tree: the names that hold <c>messages</c> (the global,
/// and every <c>set x = messages...</c> reached from it), the loop variables over those, and then whether any loop
/// iterates over such a variable's <c>content</c>. Filters, tests and slices around a name count as the name.
/// </summary>
internal static class ChatContentFormatDetector
{
    public static ChatContentFormat Detect(IReadOnlyList<Statement> body)
    {
        var loops = new List<ForStatement>();
        var sets = new List<SetStatement>();
        Collect(body, loops, sets);

        var messageLists = new List<string> { "messages" };
        for (int i = 0; i < messageLists.Count; i++)
        {
            foreach (var set in sets)
            {
                if (set.Target is NameExpression target && !messageLists.Contains(target.Name) && Accesses(set.Value, messageLists[i], key: null))
                {
                    messageLists.Add(target.Name);
                }
            }
        }

        var messageItems = loops
            .Where(loop => loop.Target is NameExpression && messageLists.Any(list => Accesses(loop.Iterable, list, key: null)))
            .Select(loop => ((NameExpression)loop.Target).Name)
            .ToList();
        return loops.Any(loop => messageItems.Any(item => Accesses(loop.Iterable, item, "content")))
            ? ChatContentFormat.OpenAi
            : ChatContentFormat.String;
    }

    /// <summary>The variable itself (key null) or its <paramref name="key"/> (attribute or constant index), under filters, tests and slices.</summary>
    private static bool Accesses(Expression expression, string variable, string? key) => expression switch
    {
        FilterExpression filter => Accesses(filter.Target, variable, key),
        TestExpression test => Accesses(test.Target, variable, key),
        IndexExpression { Index: SliceExpression } slice => Accesses(slice.Target, variable, key),
        _ when key is null => expression is NameExpression name && name.Name == variable,
        AttributeExpression { Target: NameExpression name } attribute => name.Name == variable && attribute.Name == key,
        IndexExpression { Target: NameExpression name, Index: LiteralExpression { Value: string index } } => name.Name == variable && index == key,
        _ => false,
    };

    private static void Collect(IReadOnlyList<Statement> body, List<ForStatement> loops, List<SetStatement> sets)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case ForStatement loop:
                    loops.Add(loop);
                    Collect(loop.Body, loops, sets);
                    Collect(loop.Else, loops, sets);
                    break;
                case SetStatement set:
                    sets.Add(set);
                    break;
                case IfStatement branches:
                    foreach (var (_, branchBody) in branches.Branches)
                    {
                        Collect(branchBody, loops, sets);
                    }

                    Collect(branches.Else, loops, sets);
                    break;
                case SetBlockStatement block:
                    Collect(block.Body, loops, sets);
                    break;
                case MacroStatement macro:
                    Collect(macro.Body, loops, sets);
                    break;
                case BodyStatement scope:
                    Collect(scope.Body, loops, sets);
                    break;
            }
        }
    }
}
