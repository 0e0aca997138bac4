using Worker.Runtime.Lora;

namespace Worker.Runtime.Ops;

/// <summary>
/// The tokens of one forward pass: every scheduled token of every sequence, concatenated. Each token
/// carries its position, the KV slot it writes (block * blockSize + offset) and its sequence, whose block
/// table addresses the KV it attends over, and the LoRA adapter applied to all its tokens (null: the base model).
/// Reused across steps so a step allocates nothing once warm.
/// </summary>
public sealed class ForwardBatch
{
    private readonly List<IReadOnlyList<int>> _blockTables = [];
    private readonly List<int> _logitTokens = [];
    private readonly List<int> _hiddenTokens = [];
    private readonly List<(int Row, ReadOnlyMemory<float> Embedding)> _inputEmbeddings = [];
    private readonly List<LoraAdapter?> _loraOfSequence = [];
    private readonly List<LoraAdapter> _loraAdapters = [];
    private int[] _tokenIds = new int[64];
    private int[] _positions = new int[64];
    private int[] _slots = new int[64];
    private int[] _sequenceOfToken = new int[64];

    public int TokenCount { get; private set; }
    public int SequenceCount => _blockTables.Count;
    public ReadOnlySpan<int> TokenIds => _tokenIds.AsSpan(0, TokenCount);
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, TokenCount);
    public ReadOnlySpan<int> Slots => _slots.AsSpan(0, TokenCount);
    public ReadOnlySpan<int> SequenceOfToken => _sequenceOfToken.AsSpan(0, TokenCount);

    /// <summary>Batch rows whose logits are computed, in order.</summary>
    public IReadOnlyList<int> LogitTokens => _logitTokens;

    /// <summary>Batch rows whose final-normed hidden state is returned (embeddings), in order.</summary>
    public IReadOnlyList<int> HiddenTokens => _hiddenTokens;

    /// <summary>Batch rows whose input is given as an embedding (a prompt sent as embeddings) instead of looked up by token id.</summary>
    public IReadOnlyList<(int Row, ReadOnlyMemory<float> Embedding)> InputEmbeddings => _inputEmbeddings;

    public IReadOnlyList<int> BlockTable(int sequence) => _blockTables[sequence];

    /// <summary>The distinct adapters the batch's sequences use, in first-use order; empty when every sequence runs the base model.</summary>
    public IReadOnlyList<LoraAdapter> LoraAdapters => _loraAdapters;

    /// <summary>The adapter of a sequence; null for the base model.</summary>
    public LoraAdapter? LoraOf(int sequence) => _loraOfSequence[sequence];

    public void Clear()
    {
        TokenCount = 0;
        _blockTables.Clear();
        _logitTokens.Clear();
        _hiddenTokens.Clear();
        _inputEmbeddings.Clear();
        _loraOfSequence.Clear();
        _loraAdapters.Clear();
    }

    /// <summary>Starts a sequence, run with <paramref name="lora"/> (null: the base model); its tokens follow with AddToken. Returns the sequence index.</summary>
    public int AddSequence(IReadOnlyList<int> blockTable, LoraAdapter? lora = null)
    {
        _blockTables.Add(blockTable);
        _loraOfSequence.Add(lora);
        if (lora is not null && !_loraAdapters.Contains(lora))
        {
            _loraAdapters.Add(lora);
        }

        return _blockTables.Count - 1;
    }

    /// <summary>Adds a token of the last added sequence; returns its batch row.</summary>
    /// <param name="inputEmbedding">The token's input embedding (hidden size values) in place of the lookup of <paramref name="tokenId"/>; empty: looked up.</param>
    public int AddToken(int tokenId, int position, int blockSize, ReadOnlyMemory<float> inputEmbedding = default)
    {
        if (TokenCount == _tokenIds.Length)
        {
            int size = _tokenIds.Length * 2;
            Array.Resize(ref _tokenIds, size);
            Array.Resize(ref _positions, size);
            Array.Resize(ref _slots, size);
            Array.Resize(ref _sequenceOfToken, size);
        }

        int sequence = _blockTables.Count - 1;
        _tokenIds[TokenCount] = tokenId;
        _positions[TokenCount] = position;
        _slots[TokenCount] = _blockTables[sequence][position / blockSize] * blockSize + position % blockSize;
        _sequenceOfToken[TokenCount] = sequence;
        if (!inputEmbedding.IsEmpty)
        {
            _inputEmbeddings.Add((TokenCount, inputEmbedding));
        }

        return TokenCount++;
    }

    public void RequestLogits(int tokenRow) => _logitTokens.Add(tokenRow);

    public void RequestHidden(int tokenRow) => _hiddenTokens.Add(tokenRow);
}
