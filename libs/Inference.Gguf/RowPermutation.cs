namespace Inference.Gguf;

/// <summary>
/// The row order llama.cpp's llama graph wants for Q and K: within each head, transformers keeps the two halves that
/// rotate_half pairs (row i with row i + d/2); llama.cpp pairs adjacent rows (2i, 2i + 1). Output row h·d + 2i + half
/// is input row h·d + half·d/2 + i (convert_hf_to_gguf.py's LlamaModel.permute). A writer takes rows in
/// <see cref="InterleaveHalves"/> order; a reader finds each Hugging Face row through <see cref="Inverse"/>.
/// </summary>
public static class RowPermutation
{
    public static int[] InterleaveHalves(int rows, int heads)
    {
        if (heads <= 0 || rows % heads != 0 || rows / heads % 2 != 0)
        {
            throw new InvalidDataException($"{rows} rows do not split into {heads} heads of an even size.");
        }

        int headDim = rows / heads;
        int half = headDim / 2;
        var source = new int[rows];
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                source[h * headDim + 2 * i] = h * headDim + i;
                source[h * headDim + 2 * i + 1] = h * headDim + half + i;
            }
        }

        return source;
    }

    /// <summary>The order that undoes <paramref name="source"/>: inverse[source[o]] = o.</summary>
    public static int[] Inverse(int[] source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var inverse = new int[source.Length];
        for (int o = 0; o < source.Length; o++)
        {
            inverse[source[o]] = o;
        }

        return inverse;
    }
}
