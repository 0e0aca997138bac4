using Inference.Grammar.Matching;
using Inference.Grammar.Vocabulary;

namespace Inference.Grammar;

/// <summary>
/// The grammar state of one request (one sequence): fills the allowed-token bitmask for the next step and advances
/// by the sampled token. Not thread-safe; cheap to create (the <see cref="CompiledGrammar"/> is shared).
/// </summary>
public sealed class GrammarMatcher
{
    private readonly CompiledGrammar _grammar;
    private readonly TokenVocabulary _vocabulary;
    private readonly Stepper _stepper;
    private readonly StackSet[] _walk;
    private readonly List<(StackTop[] Stacks, bool CanTerminate, bool Completed)> _history = [];
    private StackTop[] _stacks;
    private bool _canTerminate;

    public GrammarMatcher(CompiledGrammar grammar)
    {
        _grammar = grammar;
        _vocabulary = grammar.Vocabulary;
        _stepper = grammar.Stepper;
        _stacks = grammar.InitialStacks;
        _canTerminate = grammar.InitialCanTerminate;
        _walk = new StackSet[_vocabulary.Trie.MaxTokenLength + 1];
        for (int d = 0; d < _walk.Length; d++)
        {
            _walk[d] = new StackSet();
        }
    }

    /// <summary>True once an end-of-sequence token was accepted: nothing more is allowed.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>True when the output so far is a complete match, so end-of-sequence is allowed now.</summary>
    public bool CanTerminate => !IsCompleted && _canTerminate;

    /// <summary>True when the grammar is complete and no more text can follow: only end-of-sequence is allowed.</summary>
    public bool MustTerminate => !IsCompleted && _canTerminate && _stacks.Length == 0;

    /// <summary>Words of the bitmask <see cref="FillNextTokenMask"/> needs (the vocabulary's size over 64, rounded up).</summary>
    public int MaskWords => _vocabulary.MaskWords;

    /// <summary>Number of tokens accepted so far (the depth <see cref="Rollback"/> can undo).</summary>
    public int AcceptedTokenCount => _history.Count;

    /// <summary>
    /// Writes the allowed tokens of the next step: bit i of word i/64 set when token i is allowed. The span must hold
    /// at least <see cref="TokenVocabulary.MaskWords"/> words; all of it is overwritten.
    /// </summary>
    public void FillNextTokenMask(Span<ulong> bitmask)
    {
        if (bitmask.Length < _vocabulary.MaskWords)
        {
            throw new ArgumentException($"the bitmask needs {_vocabulary.MaskWords} words", nameof(bitmask));
        }
        bitmask.Clear();
        if (IsCompleted)
        {
            return;
        }
        foreach (var stack in _stacks)
        {
            var position = _grammar.Position(stack.Node);
            position.OrAcceptedInto(bitmask);
            AddUncertain(stack, position, bitmask);
        }
        if (_canTerminate)
        {
            foreach (int eos in _vocabulary.EosTokenIds)
            {
                bitmask[eos >> 6] |= 1UL << (eos & 63);
            }
        }
    }

    /// <summary>True when the token is allowed next (the same answer as its bit in <see cref="FillNextTokenMask"/>).</summary>
    public bool IsTokenAllowed(int tokenId) => Step(tokenId, out _, out _);

    /// <summary>Advances by one token; false (and no change) when the token is not allowed.</summary>
    public bool AcceptToken(int tokenId)
    {
        if (!Step(tokenId, out var stacks, out bool canTerminate))
        {
            return false;
        }
        _history.Add((_stacks, _canTerminate, IsCompleted));
        if (stacks is null)
        {
            IsCompleted = true;
        }
        else
        {
            _stacks = stacks;
            _canTerminate = canTerminate;
        }
        return true;
    }

    /// <summary>Undoes the last <paramref name="tokens"/> accepted tokens (speculative decoding, or a rejected sample).</summary>
    public void Rollback(int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tokens, _history.Count);
        for (int i = 0; i < tokens; i++)
        {
            (_stacks, _canTerminate, bool completed) = _history[^1];
            IsCompleted = completed;
            _history.RemoveAt(_history.Count - 1);
        }
    }

    private bool Step(int tokenId, out StackTop[]? stacks, out bool canTerminate)
    {
        stacks = null;
        canTerminate = false;
        if (IsCompleted)
        {
            return false;
        }
        if (_vocabulary.EosTokenIds.Contains(tokenId))
        {
            return _canTerminate;
        }
        if (!_vocabulary.IsNormal(tokenId))
        {
            return false;
        }
        var bytes = _vocabulary.GetBytes(tokenId);
        var current = _walk[0];
        current.Clear();
        foreach (var stack in _stacks)
        {
            current.Add(stack);
        }
        for (int j = 0; j < bytes.Length; j++)
        {
            var next = _walk[j + 1];
            _stepper.Advance(current, bytes[j], next);
            if (next.Count == 0 && !(next.Ended && j == bytes.Length - 1))
            {
                return false;
            }
            current = next;
        }
        stacks = current.ToArray();
        canTerminate = current.Ended;
        return true;
    }

    private void AddUncertain(StackTop stack, PositionMask position, Span<ulong> bitmask)
    {
        var tokens = position.Uncertain;
        if (tokens.Length == 0)
        {
            return;
        }
        var lcps = position.UncertainLcp;
        _walk[0].Clear();
        _walk[0].Add(stack);
        int failDepth = int.MaxValue;
        for (int k = 0; k < tokens.Length; k++)
        {
            int lcp = lcps[k];
            if (lcp >= failDepth)
            {
                continue;
            }
            failDepth = int.MaxValue;
            var bytes = _vocabulary.GetBytes(tokens[k]);
            bool accepted = true;
            for (int j = lcp; j < bytes.Length; j++)
            {
                var next = _walk[j + 1];
                _stepper.Advance(_walk[j], bytes[j], next);
                if (next.Count == 0)
                {
                    if (j == bytes.Length - 1)
                    {
                        accepted = next.Ended;
                    }
                    else
                    {
                        accepted = false;
                        failDepth = j + 1;
                    }
                    break;
                }
            }
            if (accepted)
            {
                int id = tokens[k];
                bitmask[id >> 6] |= 1UL << (id & 63);
            }
        }
    }
}
