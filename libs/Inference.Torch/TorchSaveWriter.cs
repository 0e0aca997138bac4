using System.IO.Compression;
using System.Text;

namespace Inference.Torch;

/// <summary>
/// Writes float tensors the way <c>torch.save</c> does (PyTorch 1.6 and later): a zip whose folder holds
/// <c>data.pkl</c>, <c>data/KEY</c> per storage, <c>version</c> and <c>byteorder</c>. The pickle is protocol 2 with the
/// opcodes torch emits: each tensor a REDUCE of <c>torch._utils._rebuild_tensor_v2</c> over a BINPERSID storage,
/// repeated globals memoized and fetched with BINGET; a state dict (<c>torch.save(module.state_dict(), path)</c>) is an
/// OrderedDict built by REDUCE and filled by SETITEMS, with its <c>_metadata</c> attribute set by BUILD; one tensor
/// (<c>torch.save(tensor, buffer)</c>, as vLLM's clients send prompt_embeds) is that REDUCE alone. For tests and
/// clients of this repository that send what a PyTorch client would; <see cref="TorchSaveFile"/> reads both.
/// </summary>
public static class TorchSaveWriter
{
    /// <summary>The storage class a tensor is saved as: its element type.</summary>
    public enum StorageType
    {
        Float,
        Half,
        BFloat16,
    }

    public sealed record Tensor(string Name, long[] Shape, float[] Values);

    /// <param name="extraPickle">Raw opcodes to put before the tensors' SETITEMS (tests of what the reader refuses).</param>
    public static void Write(string path, IReadOnlyList<Tensor> tensors, StorageType storage = StorageType.Float, byte[]? extraPickle = null)
    {
        var pickle = new Pickle();
        pickle.Op(0x80, 2);                                     // PROTO 2
        int orderedDict = pickle.Global("collections", "OrderedDict");
        pickle.Op((byte)')', (byte)'R');                        // EMPTY_TUPLE, REDUCE
        pickle.Put();
        pickle.Op((byte)'(');                                   // MARK: the dict's items
        var globals = new TensorGlobals(orderedDict, -1, -1);
        for (int i = 0; i < tensors.Count; i++)
        {
            pickle.Unicode(tensors[i].Name);
            globals = pickle.RebuildTensor(i, tensors[i].Shape, tensors[i].Values.Length, storage, globals);
        }

        if (extraPickle is not null)
        {
            pickle.Raw(extraPickle);
        }

        pickle.Op((byte)'u');                                   // SETITEMS
        // BUILD with {'_metadata': OrderedDict([('', {'version': 1})])}, as a module's state_dict() carries it.
        pickle.Op((byte)'}');
        pickle.Put();
        pickle.Unicode("_metadata");
        pickle.Get(orderedDict);
        pickle.Op((byte)')', (byte)'R');
        pickle.Put();
        pickle.Op((byte)'(');
        pickle.Unicode("");
        pickle.Op((byte)'}');
        pickle.Put();
        pickle.Unicode("version");
        pickle.Int(1);
        pickle.Op((byte)'s', (byte)'u', (byte)'s', (byte)'b', (byte)'.'); // SETITEM, SETITEMS, SETITEM, BUILD, STOP

        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        AddEntries(zip, Path.GetFileNameWithoutExtension(path), pickle, [.. tensors.Select(t => t.Values)], storage);
    }

    /// <summary>One tensor as <c>torch.save(tensor, buffer)</c> writes it (its archive folder "archive", as torch names a buffer's).</summary>
    public static byte[] WriteTensor(long[] shape, float[] values, StorageType storage = StorageType.Float)
    {
        var pickle = new Pickle();
        pickle.Op(0x80, 2);                                     // PROTO 2
        pickle.RebuildTensor(0, shape, values.Length, storage, new TensorGlobals(-1, -1, -1));
        pickle.Op((byte)'.');                                   // STOP

        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            AddEntries(zip, "archive", pickle, [values], storage);
        }

        return buffer.ToArray();
    }

    /// <summary>data.pkl, storage i's bytes under data/i, version and byteorder, in <paramref name="folder"/>.</summary>
    private static void AddEntries(ZipArchive zip, string folder, Pickle pickle, IReadOnlyList<float[]> storages, StorageType storage)
    {
        Add(zip, $"{folder}/data.pkl", pickle.Bytes());
        for (int i = 0; i < storages.Count; i++)
        {
            Add(zip, $"{folder}/data/{i}", Encode(storages[i], storage));
        }

        Add(zip, $"{folder}/version", "3\n"u8.ToArray());
        Add(zip, $"{folder}/byteorder", "little"u8.ToArray());
    }

    /// <summary>The memo indexes of the globals a tensor's REDUCE names (-1: not written yet).</summary>
    private readonly record struct TensorGlobals(int OrderedDict, int Rebuild, int StorageClass);

    private static long[] RowMajorStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    private static byte[] Encode(float[] values, StorageType storage)
    {
        var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        foreach (var value in values)
        {
            switch (storage)
            {
                case StorageType.Float: writer.Write(value); break;
                case StorageType.Half: writer.Write((Half)value); break;
                default: writer.Write(ToBFloat16(value)); break;
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>float32 to bfloat16, rounded to nearest even as torch casts (NaN stays NaN).</summary>
    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return float.IsNaN(value) ? (ushort)((bits >> 16) | 0x0040) : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        // torch.save stores its entries uncompressed.
        using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        entry.Write(bytes);
    }

    /// <summary>A protocol-2 pickle under construction, memoizing every value it puts with BINPUT as torch's pickler does.</summary>
    private sealed class Pickle
    {
        private readonly MemoryStream _bytes = new();
        private int _memo;

        public void Op(params byte[] opcodes) => _bytes.Write(opcodes);

        public void Raw(byte[] bytes) => _bytes.Write(bytes);

        /// <summary>BINPUT of the value on top; returns its memo index.</summary>
        public int Put()
        {
            Op((byte)'q', checked((byte)_memo));
            return _memo++;
        }

        public int Get(int index)
        {
            Op((byte)'h', checked((byte)index));
            return index;
        }

        public int Global(string module, string name)
        {
            Op((byte)'c');
            _bytes.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return Put();
        }

        public void Unicode(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            Op((byte)'X');
            _bytes.Write(BitConverter.GetBytes(utf8.Length));
            _bytes.Write(utf8);
            Put();
        }

        public void Int(long value)
        {
            if (value is >= 0 and < 256)
            {
                Op((byte)'K', (byte)value);
            }
            else if (value is >= 0 and < 65536)
            {
                Op((byte)'M');
                _bytes.Write(BitConverter.GetBytes((ushort)value));
            }
            else
            {
                Op((byte)'J');
                _bytes.Write(BitConverter.GetBytes(checked((int)value)));
            }
        }

        public void IntTuple(long[] values)
        {
            if (values.Length is 1 or 2 or 3)
            {
                foreach (var value in values)
                {
                    Int(value);
                }

                Op((byte)(0x84 + values.Length));                // TUPLE1, TUPLE2, TUPLE3
            }
            else
            {
                Op((byte)'(');
                foreach (var value in values)
                {
                    Int(value);
                }

                Op((byte)'t');
            }

            Put();
        }

        /// <summary>
        /// _rebuild_tensor_v2(storage <paramref name="key"/>, 0, shape, row-major strides, False, OrderedDict()) with REDUCE;
        /// returns the globals' memo indexes, each written where it is first used and fetched after.
        /// </summary>
        public TensorGlobals RebuildTensor(int key, long[] shape, int count, StorageType storage, TensorGlobals globals)
        {
            int rebuild = globals.Rebuild < 0 ? Global("torch._utils", "_rebuild_tensor_v2") : Get(globals.Rebuild);
            Op((byte)'(', (byte)'(');                           // MARK (args), MARK (persistent id)
            Unicode("storage");
            int storageClass = globals.StorageClass < 0 ? Global("torch", storage + "Storage") : Get(globals.StorageClass);
            Unicode(key.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Unicode("cpu");
            Int(count);
            Op((byte)'t');                                      // TUPLE
            Put();
            Op((byte)'Q');                                      // BINPERSID
            Int(0);                                             // storage_offset
            IntTuple(shape);
            IntTuple(RowMajorStrides(shape));
            Op(0x89);                                           // NEWFALSE: requires_grad
            int orderedDict = globals.OrderedDict < 0 ? Global("collections", "OrderedDict") : Get(globals.OrderedDict);
            Op((byte)')', (byte)'R');                           // backward_hooks = OrderedDict()
            Put();
            Op((byte)'t');                                      // TUPLE (the args)
            Put();
            Op((byte)'R');                                      // REDUCE
            Put();
            return new TensorGlobals(orderedDict, rebuild, storageClass);
        }

        public byte[] Bytes() => _bytes.ToArray();
    }
}
