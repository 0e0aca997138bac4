using System.Text;
using Microsoft.ML.Tokenizers;

namespace Tokenizer.Core.Text;

/// <summary>
/// The byte-level BPE split patterns of the Qwen2 and Llama 3 families, evaluated on code points exactly as Oniguruma
/// (Hugging Face tokenizers) does:
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// where Llama 3 takes numbers three digits at a time (<c>\p{N}{1,3}</c>) and Qwen2 one. Alternatives are tried in
/// order at each position (first match wins, not the longest), and together they match any character, so no text is
/// ever dropped.
/// </summary>
public sealed class SplitPatternPreTokenizer : PreTokenizer
{
    /// <summary>Qwen2's pattern, as tokenizer.json spells it.</summary>
    public const string Qwen2Pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /// <summary>Llama 3's pattern, as tokenizer.json spells it.</summary>
    public const string Llama3Pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private readonly int _digitsPerPiece;

    private SplitPatternPreTokenizer(string pattern, int digitsPerPiece)
    {
        Pattern = pattern;
        _digitsPerPiece = digitsPerPiece;
    }

    public static SplitPatternPreTokenizer Qwen2 { get; } = new(Qwen2Pattern, 1);

    public static SplitPatternPreTokenizer Llama3 { get; } = new(Llama3Pattern, 3);

    /// <summary>The pattern this instance implements, as tokenizer.json spells it.</summary>
    public string Pattern { get; }

    /// <summary>The instance implementing <paramref name="pattern"/> (as tokenizer.json spells it), or null.</summary>
    public static SplitPatternPreTokenizer? ForPattern(string? pattern) =>
        pattern == Qwen2Pattern ? Qwen2 : pattern == Llama3Pattern ? Llama3 : null;

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        var pieces = new List<(int Offset, int Length)>();
        Split(text.AsSpan(), pieces);
        return pieces;
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int Offset, int Length)>();
        Split(text, pieces);
        return pieces;
    }

    /// <summary>Appends the (offset, length) of every piece of <paramref name="text"/>, in order.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces)
    {
        int position = 0;
        while (position < text.Length)
        {
            int length = MatchAt(text, position);
            pieces.Add((position, length));
            position += length;
        }
    }

    private int MatchAt(ReadOnlySpan<char> text, int start)
    {
        Rune first = RuneAt(text, start);
        int afterFirst = start + first.Utf16SequenceLength;

        int contraction = MatchContraction(text, start);
        if (contraction > 0)
        {
            return contraction;
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (UnicodeClass.IsLetter(first))
        {
            return SkipLetters(text, start) - start;
        }
        if (!UnicodeClass.IsNewline(first) && !UnicodeClass.IsNumber(first)
            && afterFirst < text.Length && UnicodeClass.IsLetter(RuneAt(text, afterFirst)))
        {
            return SkipLetters(text, afterFirst) - start;
        }

        // \p{N} (Qwen2) or \p{N}{1,3} (Llama 3)
        if (UnicodeClass.IsNumber(first))
        {
            int end = afterFirst;
            for (int digits = 1; digits < _digitsPerPiece && end < text.Length && UnicodeClass.IsNumber(RuneAt(text, end)); digits++)
            {
                end += RuneAt(text, end).Utf16SequenceLength;
            }

            return end - start;
        }

        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int symbolsStart = first.Value == ' ' ? afterFirst : start;
        if (symbolsStart < text.Length && IsSymbol(RuneAt(text, symbolsStart)))
        {
            int end = symbolsStart;
            while (end < text.Length && IsSymbol(RuneAt(text, end)))
            {
                end += RuneAt(text, end).Utf16SequenceLength;
            }
            while (end < text.Length && text[end] is '\r' or '\n')
            {
                end++;
            }
            return end - start;
        }

        // Only whitespace remains possible here: the first character is neither letter, number nor symbol.
        int runEnd = start;
        int lastNewlineEnd = -1;
        int previousRuneStart = start;
        while (runEnd < text.Length)
        {
            Rune rune = RuneAt(text, runEnd);
            if (!UnicodeClass.IsWhiteSpace(rune))
            {
                break;
            }
            previousRuneStart = runEnd;
            runEnd += rune.Utf16SequenceLength;
            if (UnicodeClass.IsNewline(rune))
            {
                lastNewlineEnd = runEnd;
            }
        }

        // \s*[\r\n]+ : backtracks to the last newline of the whitespace run.
        if (lastNewlineEnd > 0)
        {
            return lastNewlineEnd - start;
        }
        // \s+(?!\S) : the whole run at the end of the text, else the run less its last character.
        if (runEnd == text.Length || previousRuneStart > start)
        {
            return (runEnd == text.Length ? runEnd : previousRuneStart) - start;
        }
        // \s+
        return runEnd - start;
    }

    /// <summary>(?i:'s|'t|'re|'ve|'m|'ll|'d): case-insensitive with Unicode simple case folding (ſ folds to s).</summary>
    private static int MatchContraction(ReadOnlySpan<char> text, int start)
    {
        if (text[start] != '\'' || start + 1 >= text.Length)
        {
            return 0;
        }
        char a = FoldAscii(text[start + 1]);
        if (a is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }
        if (start + 2 < text.Length)
        {
            char b = FoldAscii(text[start + 2]);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            {
                return 3;
            }
        }
        return 0;
    }

    private static char FoldAscii(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c | 0x20),
        '\u017F' => 's', // LATIN SMALL LETTER LONG S case-folds to 's'
        _ => c,
    };

    private static bool IsSymbol(Rune rune) =>
        !UnicodeClass.IsWhiteSpace(rune) && !UnicodeClass.IsLetter(rune) && !UnicodeClass.IsNumber(rune);

    private static int SkipLetters(ReadOnlySpan<char> text, int position)
    {
        while (position < text.Length)
        {
            Rune rune = RuneAt(text, position);
            if (!UnicodeClass.IsLetter(rune))
            {
                break;
            }
            position += rune.Utf16SequenceLength;
        }
        return position;
    }

    /// <summary>The code point at <paramref name="index"/>; a lone surrogate reads as U+FFFD (a symbol),
    /// though the tokenizer replaces lone surrogates before pre-tokenizing.</summary>
    private static Rune RuneAt(ReadOnlySpan<char> text, int index)
    {
        char c = text[index];
        if (c < 0xD800)
        {
            return new Rune(c);
        }
        Rune.DecodeFromUtf16(text[index..], out Rune rune, out int consumed);
        return consumed == 2 ? rune : (char.IsSurrogate(c) ? new Rune(0xFFFD) : new Rune(c));
    }
}
