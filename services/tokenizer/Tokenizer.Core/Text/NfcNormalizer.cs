using System.Buffers;
using System.Text;

namespace Tokenizer.Core.Text;

/// <summary>
/// Unicode NFC as Hugging Face applies it to the text between added tokens. Lone surrogates become U+FFFD
/// first (what a UTF-8 transport, and so Hugging Face, sees). .NET's <see cref="string.Normalize()"/> rejects
/// noncharacters such as U+FFFE, so the text is normalized in pieces split at them: a noncharacter is a
/// starter that never composes, so this is exact.
/// </summary>
public static class NfcNormalizer
{
    /// <summary>Below U+0300 no character decomposes or composes with its neighbours, so NFC is the identity.</summary>
    private const char FirstComposingChar = '\u0300';

    /// <summary>UTF-16 units of every noncharacter: U+FDD0..U+FDEF, U+FFFE, U+FFFF, and the low surrogates
    /// U+DFFE/U+DFFF that end the astral ones (U+1FFFE ... U+10FFFF). A hit is confirmed code point by code point.</summary>
    private static readonly SearchValues<char> s_noncharacterUnits = SearchValues.Create(
        [.. Enumerable.Range(0xFDD0, 0xFDEF - 0xFDD0 + 1).Select(c => (char)c), '\uFFFE', '\uFFFF', '\uDFFE', '\uDFFF']);

    /// <summary>Fails fast when the runtime has no ICU (InvariantGlobalization), where NFC silently does nothing.</summary>
    public static void EnsureAvailable()
    {
        if ("e\u0301".Normalize(NormalizationForm.FormC) != "\u00E9")
        {
            throw new InvalidOperationException(
                "Unicode normalization is not available in this runtime (InvariantGlobalization or no ICU): " +
                "tokenization would not match Hugging Face. Install ICU (libicu) and keep InvariantGlobalization=false.");
        }
    }

    public static string Normalize(string text)
    {
        int firstInteresting = text.AsSpan().IndexOfAnyInRange(FirstComposingChar, char.MaxValue);
        if (firstInteresting < 0)
        {
            return text;
        }
        string wellFormed = ReplaceLoneSurrogates(text, firstInteresting);
        if (wellFormed.AsSpan(firstInteresting).ContainsAny(s_noncharacterUnits) && ContainsNoncharacter(wellFormed))
        {
            return NormalizeAroundNoncharacters(wellFormed);
        }
        // Checking is cheaper than normalizing, and text from the wire is nearly always NFC already.
        return wellFormed.IsNormalized(NormalizationForm.FormC) ? wellFormed : wellFormed.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Replaces each lone surrogate with U+FFFD; returns the same instance when there is none.</summary>
    public static string ReplaceLoneSurrogates(string text, int searchFrom = 0)
    {
        int first = text.AsSpan(searchFrom).IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return text;
        }
        first += searchFrom;
        StringBuilder? builder = null;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                builder.Append('\uFFFD');
                continue;
            }
            builder?.Append(c);
        }
        return builder?.ToString() ?? text;
    }

    private static bool IsNoncharacter(int codePoint) =>
        (codePoint & 0xFFFE) == 0xFFFE || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF);

    private static bool ContainsNoncharacter(string text)
    {
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (IsNoncharacter(rune.Value))
            {
                return true;
            }
        }
        return false;
    }

    private static string NormalizeAroundNoncharacters(string text)
    {
        var result = new StringBuilder(text.Length);
        int segmentStart = 0;
        int index = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (IsNoncharacter(rune.Value))
            {
                result.Append(text.AsSpan(segmentStart, index - segmentStart).ToString().Normalize(NormalizationForm.FormC));
                result.Append(text, index, rune.Utf16SequenceLength);
                segmentStart = index + rune.Utf16SequenceLength;
            }
            index += rune.Utf16SequenceLength;
        }
        result.Append(text.AsSpan(segmentStart).ToString().Normalize(NormalizationForm.FormC));
        return result.ToString();
    }
}
