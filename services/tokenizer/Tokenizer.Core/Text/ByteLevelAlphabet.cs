namespace Tokenizer.Core.Text;

/// <summary>
/// GPT-2's reversible byte-to-character table used by byte-level BPE: printable bytes map to themselves,
/// the others to U+0100 onwards, so every byte string has a printable spelling in tokenizer.json.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> s_charToByte = BuildCharToByte();

    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>How the vocabulary spells <paramref name="text"/>: its UTF-8 bytes, each as its table character.</summary>
    public static string Spell(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        return string.Create(bytes.Length, bytes, static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++)
            {
                chars[i] = s_byteToChar[b[i]];
            }
        });
    }

    /// <summary>The bytes a vocabulary entry spells, or null when it holds a character outside the table.</summary>
    public static byte[]? ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!s_charToByte.TryGetValue(token[i], out bytes[i]))
            {
                return null;
            }
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)(256 + next++);
        }
        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            map[s_byteToChar[b]] = (byte)b;
        }
        return map;
    }
}
