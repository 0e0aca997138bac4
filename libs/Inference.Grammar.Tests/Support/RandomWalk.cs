using System.Text;

namespace Inference.Grammar.Tests.Support;

/// <summary>
/// Drives a matcher the way a sampler would, but at random: each step picks uniformly among the allowed tokens; after
/// <see cref="SoftBudget"/> tokens it prefers end-of-sequence, then a single-byte token that ends the match, then
/// tokens that close things (quote, brace, bracket), then any allowed single-byte token, so every walk ends. Checks on every step that the chosen token is accepted.
/// </summary>
internal sealed class RandomWalk(CompiledGrammar grammar, int seed)
{
    public int SoftBudget { get; init; } = 40;

    public int HardLimit { get; init; } = 5000;

    /// <summary>Before the budget, every other step picks among the allowed tokens this favours, when there are any
    /// (to reach rare paths, such as a structural tag's triggers). Null: uniform.</summary>
    public Func<byte[], bool>? Favour { get; init; }

    /// <summary>After the budget, prefer quote, brace and bracket tokens (right for JSON, not for every regex).</summary>
    public bool PreferClosers { get; init; } = true;

    public (string Text, int Tokens) Run()
    {
        var vocabulary = grammar.Vocabulary;
        var matcher = new GrammarMatcher(grammar);
        var random = new Random(seed);
        var mask = new ulong[vocabulary.MaskWords];
        var bytes = new List<byte>();
        var allowed = new List<int>();
        for (int step = 0; step < HardLimit; step++)
        {
            matcher.FillNextTokenMask(mask);
            allowed.Clear();
            for (int id = 0; id < vocabulary.Size; id++)
            {
                if ((mask[id >> 6] >> (id & 63) & 1) != 0)
                {
                    allowed.Add(id);
                }
            }
            Assert.NotEmpty(allowed);
            int token = Choose(allowed, step, matcher, random);
            Assert.True(matcher.AcceptToken(token), $"allowed token {token} was not accepted after \"{Encoding.UTF8.GetString(bytes.ToArray())}\"");
            if (matcher.IsCompleted)
            {
                Assert.Contains(token, vocabulary.EosTokenIds);
                return (Encoding.UTF8.GetString(bytes.ToArray()), step);
            }
            bytes.AddRange(vocabulary.GetBytes(token).ToArray());
        }
        throw new Xunit.Sdk.XunitException($"no end within {HardLimit} tokens: \"{Encoding.UTF8.GetString(bytes.ToArray())}\"");
    }

    private int Choose(List<int> allowed, int step, GrammarMatcher matcher, Random random)
    {
        var vocabulary = grammar.Vocabulary;
        if (step < SoftBudget)
        {
            var favoured = Favour is null || step % 2 == 1 ? [] : allowed.Where(id => Favour(vocabulary.GetBytes(id).ToArray())).ToList();
            var from = favoured.Count > 0 ? favoured : allowed;
            return from[random.Next(from.Count)];
        }
        if (matcher.CanTerminate)
        {
            return vocabulary.EosTokenIds[0];
        }
        var single = allowed.Where(id => vocabulary.GetBytes(id).Length == 1).ToList();
        foreach (int id in single)
        {
            matcher.AcceptToken(id);
            bool ends = matcher.CanTerminate;
            matcher.Rollback(1);
            if (ends)
            {
                return id;
            }
        }
        foreach (byte closer in PreferClosers ? "\"}]"u8 : [])
        {
            foreach (int id in allowed)
            {
                var b = vocabulary.GetBytes(id);
                if (b.Length == 1 && b[0] == closer)
                {
                    return id;
                }
            }
        }
        var pool = single.Count > 0 ? single : allowed;
        return pool[random.Next(pool.Count)];
    }
}
