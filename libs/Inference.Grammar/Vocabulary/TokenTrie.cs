namespace Inference.Grammar.Vocabulary;

/// <summary>
/// The ordinary tokens as a byte trie flattened in pre-order (children sorted by byte), so a walk is a loop over an
/// array: node i has depth <see cref="Depth"/>, its subtree is [i, <see cref="SubtreeEnd"/>[i]), and a rejected
/// prefix skips its whole subtree. Pre-order is also the tokens' lexicographic byte order.
/// </summary>
internal sealed class TokenTrie
{
    public TokenTrie(TokenVocabulary vocabulary)
    {
        var ids = Enumerable.Range(0, vocabulary.Size).Where(vocabulary.IsNormal).ToArray();
        Array.Sort(ids, (a, b) => vocabulary.GetBytes(a).SequenceCompareTo(vocabulary.GetBytes(b)));
        TokenCount = ids.Length;

        var bytes = new List<byte>();
        var depth = new List<int>();
        var token = new List<int>();
        var subtreeEnd = new List<int>();
        var path = new List<int>();
        ReadOnlySpan<byte> previous = default;
        int maxLength = 0;
        foreach (int id in ids)
        {
            var current = vocabulary.GetBytes(id);
            maxLength = Math.Max(maxLength, current.Length);
            int lcp = current.CommonPrefixLength(previous);
            while (path.Count > lcp)
            {
                subtreeEnd[path[^1]] = bytes.Count;
                path.RemoveAt(path.Count - 1);
            }
            for (int d = lcp; d < current.Length; d++)
            {
                path.Add(bytes.Count);
                bytes.Add(current[d]);
                depth.Add(d + 1);
                token.Add(-1);
                subtreeEnd.Add(-1);
            }
            token[path[^1]] = id;
            previous = current;
        }
        foreach (int node in path)
        {
            subtreeEnd[node] = bytes.Count;
        }
        Bytes = bytes.ToArray();
        Depth = depth.ToArray();
        Token = token.ToArray();
        SubtreeEnd = subtreeEnd.ToArray();
        MaxTokenLength = maxLength;
    }

    public byte[] Bytes { get; }

    /// <summary>Bytes from the root to this node, inclusive (the root itself is implicit, depth 0).</summary>
    public int[] Depth { get; }

    /// <summary>The token id whose bytes end at this node, or -1.</summary>
    public int[] Token { get; }

    public int[] SubtreeEnd { get; }

    public int NodeCount => Bytes.Length;

    public int TokenCount { get; }

    public int MaxTokenLength { get; }
}
