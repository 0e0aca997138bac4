using System.Text;

namespace Gateway.Api.Reasoning;

/// <summary>One piece of an answer, split: the reasoning and the content it adds (either may be empty).</summary>
public readonly record struct ReasoningStep(string Reasoning, string Content);

/// <summary>
/// Splits one chat answer, as it streams, into the reasoning of a leading <c>&lt;think&gt;...&lt;/think&gt;</c> block
/// and the content after it. Text that may still become a tag (<c>"&lt;thi"</c> at the start, <c>"&lt;/thi"</c> while
/// reasoning) is held back until the next piece decides it, so a tag split across tokens is still found, and a whole
/// answer pushed at once splits exactly as its pieces do. The newlines around the tags are left out (Qwen3 writes
/// <c>"&lt;think&gt;\n...\n&lt;/think&gt;\n\n"</c>): newlines while reasoning are held until text follows them.
/// </summary>
public sealed class ReasoningStream
{
    public const string OpenTag = "<think>";
    public const string CloseTag = "</think>";

    private readonly StringBuilder _held = new();
    private readonly bool _reasoningUnlessOpened;
    private State _state = State.Opening;
    private bool _skipNewlines;

    /// <param name="reasoningFromStart">
    /// True: the answer is reasoning from its start (a <c>&lt;think&gt;</c> it opens with is dropped) up to
    /// <c>&lt;/think&gt;</c>; false: it is reasoning only when it opens with <c>&lt;think&gt;</c>, content otherwise.
    /// </param>
    public ReasoningStream(bool reasoningFromStart) => _reasoningUnlessOpened = reasoningFromStart;

    private enum State
    {
        /// <summary>Nothing decided yet: the answer so far may still be the start of the open tag.</summary>
        Opening,
        Reasoning,
        Content,
    }

    /// <summary>Whether any of the answer was taken as reasoning (its block may be empty).</summary>
    public bool HadReasoning { get; private set; }

    /// <summary>Takes the next piece of the answer: the reasoning and the content now known.</summary>
    public ReasoningStep Push(string delta)
    {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        _held.Append(delta);
        Advance(reasoning, content, final: false);
        return new ReasoningStep(reasoning.ToString(), content.ToString());
    }

    /// <summary>The answer has ended: what was held back, as what it turned out to be.</summary>
    public ReasoningStep Complete()
    {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        Advance(reasoning, content, final: true);
        return new ReasoningStep(reasoning.ToString(), content.ToString());
    }

    /// <summary>
    /// A whole answer: its reasoning (null when it had none, or an empty block) and its content (null when an answer
    /// that reasoned has nothing after its block, as vLLM answers it; as generated when it did not reason).
    /// </summary>
    public static (string? Reasoning, string? Content) Split(string text, bool reasoningFromStart)
    {
        var stream = new ReasoningStream(reasoningFromStart);
        var first = stream.Push(text);
        var last = stream.Complete();
        var reasoning = first.Reasoning + last.Reasoning;
        var content = first.Content + last.Content;
        if (!stream.HadReasoning)
        {
            return (null, content);
        }

        return (reasoning.Length > 0 ? reasoning : null, content.Length > 0 ? content : null);
    }

    private void Advance(StringBuilder reasoning, StringBuilder content, bool final)
    {
        while (_held.Length > 0)
        {
            if (_skipNewlines)
            {
                int newlines = 0;
                while (newlines < _held.Length && _held[newlines] is '\n' or '\r')
                {
                    newlines++;
                }

                _held.Remove(0, newlines);
                if (_held.Length == 0)
                {
                    return;
                }

                _skipNewlines = false;
            }

            switch (_state)
            {
                case State.Opening:
                    var text = _held.ToString();
                    if (text.StartsWith(OpenTag, StringComparison.Ordinal))
                    {
                        _held.Remove(0, OpenTag.Length);
                        EnterReasoning();
                    }
                    else if (OpenTag.StartsWith(text, StringComparison.Ordinal) && !final)
                    {
                        return; // still maybe "<think>"
                    }
                    else if (_reasoningUnlessOpened)
                    {
                        EnterReasoning();
                        _skipNewlines = false;
                    }
                    else
                    {
                        _state = State.Content;
                    }

                    break;
                case State.Reasoning:
                    var held = _held.ToString();
                    int close = held.IndexOf(CloseTag, StringComparison.Ordinal);
                    if (close >= 0)
                    {
                        reasoning.Append(held, 0, WithoutTrailingNewlines(held, close));
                        _held.Remove(0, close + CloseTag.Length);
                        _state = State.Content;
                        _skipNewlines = true;
                        break;
                    }

                    // Held back: a possible start of the close tag, and the newlines before it (dropped if it is one).
                    int send = final ? held.Length : WithoutTrailingNewlines(held, held.Length - PartialTagLength(held, CloseTag));
                    reasoning.Append(held, 0, send);
                    _held.Remove(0, send);
                    return;
                default:
                    content.Append(_held);
                    _held.Clear();
                    return;
            }
        }
    }

    private void EnterReasoning()
    {
        _state = State.Reasoning;
        HadReasoning = true;
        _skipNewlines = true;
    }

    /// <summary>The length of <paramref name="text"/>'s first <paramref name="length"/> characters without the newlines they end with.</summary>
    private static int WithoutTrailingNewlines(string text, int length)
    {
        while (length > 0 && text[length - 1] is '\n' or '\r')
        {
            length--;
        }

        return length;
    }

    /// <summary>The length of the longest end of <paramref name="text"/> that begins <paramref name="tag"/> (0 when none).</summary>
    private static int PartialTagLength(string text, string tag)
    {
        for (int length = Math.Min(tag.Length - 1, text.Length); length > 0; length--)
        {
            if (string.CompareOrdinal(text, text.Length - length, tag, 0, length) == 0)
            {
                return length;
            }
        }

        return 0;
    }
}
