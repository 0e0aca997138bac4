namespace Inference.Cli.Gguf;

/// <summary>
/// The row order llama.cpp's llama graph wants for Q and K: within each head, transformers keeps the two halves that
/// rotate_half pairs (row i with row i + d/2); llama.cpp pairs adjacent rows (2i, 2i + 1). Output row h·d + 2i + half
/// is input row h·d + half·d/2 + i (convert_hf_to_gguf.py's LlamaModel.permute).
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
}
