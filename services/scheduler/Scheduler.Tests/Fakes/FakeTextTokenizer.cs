using Inference.Abstractions.Text;

namespace Scheduler.Tests.Fakes;

/// <summary>One character per token: id = the character's code (letters 'a'.. map to 97..). Special token
/// 999 decodes to "&lt;eos&gt;" unless skipped. The detokenizer holds back text that may start a stop string.</summary>
public sealed class FakeTextTokenizer : ITextTokenizer
{
    public const int EosId = 999;

    public int OpenDetokenizers;

    /// <summary>Calls that turn a prompt into ids (Encode and EncodeChat), to count round trips per request.</summary>
    public int PromptCalls;

    public ValueTask<IReadOnlyList<int>> EncodeAsync(string text, bool parseSpecialTokens, bool addSpecialTokens, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref PromptCalls);
        return ValueTask.FromResult<IReadOnlyList<int>>([.. text.Select(c => (int)c)]);
    }

    public ValueTask<string> DecodeAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Decode(ids, skipSpecialTokens));

    /// <summary>Renders as "&lt;messages json&gt;", one id per character.</summary>
    public ValueTask<IReadOnlyList<int>> EncodeChatAsync(ChatTemplateInput input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref PromptCalls);
        if (input.MessagesJson == "[]")
        {
            throw new ChatTemplateException("messages must not be empty");
        }

        return ValueTask.FromResult<IReadOnlyList<int>>([.. $"<{input.MessagesJson}>".Select(c => (int)c)]);
    }

    public ValueTask<IIncrementalDetokenizer> StartDetokenizerAsync(DetokenizerOptions options, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref OpenDetokenizers);
        return ValueTask.FromResult<IIncrementalDetokenizer>(new Detokenizer(this, options));
    }

    public static string Decode(IEnumerable<int> ids, bool skipSpecialTokens) =>
        string.Concat(ids.Where(id => id != EosId || !skipSpecialTokens).Select(id => id == EosId ? "<eos>" : ((char)id).ToString()));

    private sealed class Detokenizer(FakeTextTokenizer owner, DetokenizerOptions options) : IIncrementalDetokenizer
    {
        private string _text = "";
        private int _emitted;
        private bool _stopped;

        public ValueTask<DetokenizedDelta> PushAsync(IReadOnlyList<int> ids, bool final, CancellationToken cancellationToken)
        {
            if (_stopped)
            {
                return ValueTask.FromResult(new DetokenizedDelta("", true, null));
            }

            _text += Decode(ids, options.SkipSpecialTokens);
            foreach (var stop in options.Stop)
            {
                var at = _text.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var end = options.IncludeStopStrInOutput ? at + stop.Length : at;
                    var delta = end > _emitted ? _text[_emitted..end] : "";
                    _stopped = true;
                    return ValueTask.FromResult(new DetokenizedDelta(delta, true, stop));
                }
            }

            var hold = final ? 0 : options.Stop.Select(HeldBack).DefaultIfEmpty(0).Max();
            var certain = _text.Length - hold;
            var text = certain > _emitted ? _text[_emitted..certain] : "";
            _emitted = Math.Max(_emitted, certain);
            return ValueTask.FromResult(new DetokenizedDelta(text, false, null));
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Decrement(ref owner.OpenDetokenizers);
            return ValueTask.CompletedTask;
        }

        private int HeldBack(string stop)
        {
            for (var length = Math.Min(stop.Length - 1, _text.Length); length > 0; length--)
            {
                if (_text.EndsWith(stop[..length], StringComparison.Ordinal))
                {
                    return length;
                }
            }

            return 0;
        }
    }
}
