using System.Text;
using Inference.Abstractions.Text;

namespace Tokenizer.Core.Streaming;

/// <summary>
/// Turns the generated ids of one sequence into text deltas. Each id maps to its raw bytes, fed to one
/// stateful UTF-8 decoder, so a character split across tokens comes out whole, exactly as decoding all ids at
/// once would (byte-level BPE needs no left context, so the prompt's ids do not change the text). Text that
/// could still be the start of a stop string is held back; the first stop string ends the sequence. As in vLLM, a
/// stop string must end after the text of the first <c>min_tokens</c> ids to count.
/// Not thread-safe: one sequence, one caller.
/// </summary>
public sealed class IncrementalDetokenizer
{
    private readonly QwenTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly bool _includeStopStrInOutput;
    private readonly StopStringMatcher _stops;
    private readonly int _minTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];
    private string _pending = "";
    private string? _matchedStop;
    private int _tokenCount;
    // How many leading characters of _pending came from the first _minTokens ids (no stop string may end there).
    private int _pendingProtected;

    internal IncrementalDetokenizer(
        QwenTokenizer tokenizer, bool skipSpecialTokens, IReadOnlyList<string> stop, bool includeStopStrInOutput, int minTokens = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minTokens);
        _minTokens = minTokens;
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
        _includeStopStrInOutput = includeStopStrInOutput;
        _stops = new StopStringMatcher(stop);
    }

    public bool Stopped { get; private set; }

    /// <param name="final">No more ids follow: flush the held-back text and any incomplete character (as U+FFFD).</param>
    public DetokenizedDelta Push(IReadOnlyList<int> ids, bool final)
    {
        if (Stopped)
        {
            return new DetokenizedDelta("", true, _matchedStop);
        }
        var text = new StringBuilder(_pending);
        int protectedLength = _pendingProtected;
        foreach (int id in ids)
        {
            // Every id counts towards min_tokens, skipped special ones too (vLLM counts output tokens, not text).
            _tokenCount++;
            if (_tokenizer.GetTokenBytes(id, _skipSpecialTokens) is { } bytes)
            {
                AppendDecoded(bytes, flush: false, text);
            }
            if (_tokenCount <= _minTokens)
            {
                protectedLength = text.Length;
            }
        }
        if (final)
        {
            AppendDecoded([], flush: true, text);
            if (_tokenCount <= _minTokens)
            {
                protectedLength = text.Length;
            }
        }
        string candidate = text.ToString();

        if (_stops.FindFirst(candidate, protectedLength) is var (index, stop))
        {
            Stopped = true;
            _matchedStop = stop;
            _pending = "";
            int keep = _includeStopStrInOutput ? index + stop.Length : index;
            return new DetokenizedDelta(candidate[..keep], true, stop);
        }
        int holdBack = final ? 0 : _stops.HoldBackLength(candidate);
        _pending = candidate[(candidate.Length - holdBack)..];
        _pendingProtected = Math.Max(0, protectedLength - (candidate.Length - holdBack));
        return new DetokenizedDelta(candidate[..(candidate.Length - holdBack)], false, null);
    }

    private void AppendDecoded(byte[] bytes, bool flush, StringBuilder text)
    {
        // At most one char per byte, plus the decoder's carried-over bytes of an incomplete character.
        int needed = bytes.Length + 8;
        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }
        int count = _utf8.GetChars(bytes, 0, bytes.Length, _chars, 0, flush);
        text.Append(_chars, 0, count);
    }
}
