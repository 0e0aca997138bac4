using System.Globalization;
using System.Text;

namespace Tokenizer.Core.Text;

/// <summary>
/// The character classes of the Qwen pre-tokenizer pattern, on code points (Oniguruma's view), not UTF-16
/// code units (.NET Regex's view, which never sees an astral letter or digit as \p{L} / \p{N}).
/// </summary>
internal static class UnicodeClass
{
    public static bool IsLetter(Rune rune)
    {
        if (rune.Value < 128)
        {
            return (uint)((rune.Value | 0x20) - 'a') <= 'z' - 'a';
        }
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;
    }

    public static bool IsNumber(Rune rune)
    {
        if (rune.Value < 128)
        {
            return (uint)(rune.Value - '0') <= 9;
        }
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
            or UnicodeCategory.OtherNumber;
    }

    /// <summary>Oniguruma's \s for Unicode: the White_Space property (U+001C..U+001F are not in it).</summary>
    public static bool IsWhiteSpace(Rune rune) => rune.Value switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    public static bool IsNewline(Rune rune) => rune.Value is '\r' or '\n';
}
