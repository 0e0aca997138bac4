namespace Inference.Grammar.Vocabulary;

/// <summary>
/// The GPT-2 byte-to-unicode table used by byte-level BPE (Qwen2/Qwen3/Llama-3): printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 upwards. A token's text in tokenizer.json decodes through the inverse.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly int[] CharToByte = BuildInverse();

    /// <summary>Decodes a vocabulary string to its bytes; false when a char is outside the byte-level alphabet.</summary>
    public static bool TryDecode(string token, List<byte> bytes)
    {
        bytes.Clear();
        foreach (char c in token)
        {
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0)
            {
                return false;
            }
            bytes.Add((byte)b);
        }
        return true;
    }

    private static int[] BuildInverse()
    {
        var inverse = new int[512];
        Array.Fill(inverse, -1);
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            inverse[printable ? b : 256 + next++] = b;
        }
        return inverse;
    }
}
