using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Inference.Torch;

/// <summary>
/// What <c>torch.save</c> writes (since PyTorch 1.6: a zip holding <c>data.pkl</c>, a protocol-2 pickle of the object,
/// and each tensor storage's raw little-endian bytes under <c>data/KEY</c>), read without running any of it: the pickle
/// is interpreted only as far as a state dict of tensors, or one tensor, needs (the opcodes torch writes, and only the
/// globals that build an OrderedDict and rebuild a tensor from a storage of float32, float16, bfloat16 or float64).
/// Anything else refuses the file: a pickle that calls any other global (os.system, say) is never run. For the small
/// modules that ship only in this format (sentence-transformers Dense layers in pytorch_model.bin), and for tensors
/// clients send this way (vLLM's prompt_embeds).
/// </summary>
public static class TorchSaveFile
{
    /// <summary>One tensor: its shape and its values as fp32, row-major.</summary>
    public sealed record Tensor(long[] Shape, float[] Values)
    {
        /// <summary>
        /// The tensor as a matrix of rows (a prompt's input embeddings, [tokens, hidden_size]): a 2-D tensor, or a 3-D one
        /// whose first dimension is one, squeezed away as vLLM squeezes prompt_embeds.
        /// </summary>
        /// <exception cref="InvalidDataException">Another shape (the message gives it).</exception>
        public int Rows()
        {
            var shape = Shape.Length == 3 && Shape[0] == 1 ? Shape[1..] : Shape;
            return shape.Length == 2 && shape[0] >= 1 && shape[1] >= 1
                ? checked((int)shape[0])
                : throw new InvalidDataException($"a [tokens, hidden_size] tensor is expected, got shape [{string.Join(", ", Shape)}]");
        }
    }

    /// <summary>A state dict saved to a file (<c>torch.save(module.state_dict(), path)</c>).</summary>
    /// <exception cref="InvalidDataException">The file is not a torch.save zip of a dict of tensors this reader knows (the message names the file).</exception>
    public static IReadOnlyDictionary<string, Tensor> ReadStateDict(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (Load(zip) is not Dictionary<object, object?> dict)
            {
                throw new InvalidDataException("the pickle is not a dict of tensors");
            }

            return dict.ToDictionary(
                p => p.Key as string ?? throw new InvalidDataException("a state dict key is not a string"),
                p => p.Value as Tensor ?? throw new InvalidDataException($"'{p.Key}' is not a tensor"));
        }
        catch (Exception e) when (IsFormatError(e))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>One tensor saved to bytes (<c>torch.save(tensor, buffer)</c>), as vLLM's prompt_embeds are sent.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a torch.save zip of one tensor this reader knows (the message says why).</exception>
    public static Tensor ReadTensor(byte[] bytes)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            return Load(zip) as Tensor ?? throw new InvalidDataException("the pickle is not a tensor");
        }
        catch (Exception e) when (IsFormatError(e))
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static object? Load(ZipArchive zip)
    {
        var pickle = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
            ?? throw new InvalidDataException("no data.pkl: not a torch.save zip (a legacy non-zip torch file is not read)");
        string prefix = pickle.FullName[..^"data.pkl".Length];
        return new Unpickler(ReadAll(pickle), key => ReadAll(zip.GetEntry($"{prefix}data/{key}")
            ?? throw new InvalidDataException($"storage data/{key} is missing"))).Load();
    }

    private static bool IsFormatError(Exception e) =>
        e is InvalidDataException or InvalidCastException or EndOfStreamException or ArgumentException or InvalidOperationException or KeyNotFoundException;

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>A storage's persistent id: its element type, key in the zip and element count.</summary>
    private sealed record Storage(string Type, string Key, long Count);

    private sealed record Global(string Module, string Name)
    {
        public string FullName => $"{Module}.{Name}";
    }

    /// <summary>The pickle machine for what torch.save writes for a state dict; any other opcode or global is refused.</summary>
    private sealed class Unpickler(byte[] data, Func<string, byte[]> readStorage)
    {
        private static readonly object Mark = new();
        private readonly Stack<object?> _stack = new();
        private readonly Dictionary<int, object?> _memo = [];
        private int _position;

        public object? Load()
        {
            while (true)
            {
                byte opcode = Byte();
                switch (opcode)
                {
                    case 0x80: Byte(); break;                                   // PROTO
                    case 0x95: _position += 8; break;                           // FRAME (protocol 4)
                    case (byte)'(': _stack.Push(Mark); break;                   // MARK
                    case (byte)'.': return _stack.Pop();                        // STOP
                    case (byte)')': _stack.Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                    case (byte)'}': _stack.Push(new Dictionary<object, object?>()); break; // EMPTY_DICT
                    case (byte)']': _stack.Push(new List<object?>()); break;    // EMPTY_LIST
                    case (byte)'N': _stack.Push(null); break;                   // NONE
                    case 0x88: _stack.Push(true); break;                        // NEWTRUE
                    case 0x89: _stack.Push(false); break;                       // NEWFALSE
                    case (byte)'K': _stack.Push((long)Byte()); break;           // BININT1
                    case (byte)'M': _stack.Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                    case (byte)'J': _stack.Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;  // BININT
                    case 0x8a: _stack.Push(Long1()); break;                     // LONG1
                    case (byte)'G': _stack.Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                    case (byte)'X': _stack.Push(Text(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))); break; // BINUNICODE
                    case 0x8c: _stack.Push(Text(Byte())); break;                // SHORT_BINUNICODE
                    case (byte)'c': _stack.Push(new Global(Line(), Line())); break; // GLOBAL
                    case 0x93: { var name = (string)_stack.Pop()!; _stack.Push(new Global((string)_stack.Pop()!, name)); break; } // STACK_GLOBAL
                    case (byte)'q': _memo[Byte()] = _stack.Peek(); break;       // BINPUT
                    case (byte)'r': _memo[BinaryPrimitives.ReadInt32LittleEndian(Take(4))] = _stack.Peek(); break; // LONG_BINPUT
                    case 0x94: _memo[_memo.Count] = _stack.Peek(); break;       // MEMOIZE
                    case (byte)'h': _stack.Push(_memo[Byte()]); break;          // BINGET
                    case (byte)'j': _stack.Push(_memo[BinaryPrimitives.ReadInt32LittleEndian(Take(4))]); break; // LONG_BINGET
                    case (byte)'t': _stack.Push(PopToMark().ToArray()); break;  // TUPLE
                    case 0x85: _stack.Push(new[] { _stack.Pop() }); break;      // TUPLE1
                    case 0x86: { var b = _stack.Pop(); var a = _stack.Pop(); _stack.Push(new[] { a, b }); break; } // TUPLE2
                    case 0x87: { var c = _stack.Pop(); var b = _stack.Pop(); var a = _stack.Pop(); _stack.Push(new[] { a, b, c }); break; } // TUPLE3
                    case (byte)'a': { var item = _stack.Pop(); ((List<object?>)_stack.Peek()!).Add(item); break; } // APPEND
                    case (byte)'e': { var items = PopToMark(); ((List<object?>)_stack.Peek()!).AddRange(items); break; } // APPENDS
                    case (byte)'s': { var value = _stack.Pop(); var key = _stack.Pop()!; ((Dictionary<object, object?>)_stack.Peek()!)[key] = value; break; } // SETITEM
                    case (byte)'u': SetItems(); break;                          // SETITEMS
                    case (byte)'b': _stack.Pop(); break;                        // BUILD: attributes (a state dict's _metadata) are not needed
                    case (byte)'Q': _stack.Push(PersistentLoad(_stack.Pop())); break; // BINPERSID
                    case (byte)'R': { var args = (object?[])_stack.Pop()!; _stack.Push(Call((Global)_stack.Pop()!, args)); break; } // REDUCE
                    default:
                        throw new InvalidDataException($"pickle opcode 0x{opcode:x2} at byte {_position - 1} is not one torch.save writes for tensors");
                }
            }
        }

        private void SetItems()
        {
            var items = PopToMark();
            var dict = (Dictionary<object, object?>)_stack.Peek()!;
            for (int i = 0; i + 1 < items.Count; i += 2)
            {
                dict[items[i]!] = items[i + 1];
            }
        }

        private static object PersistentLoad(object? id) =>
            id is object?[] { Length: 5 } t && t[0] is "storage" && t[1] is Global type && t[2] is string key && t[4] is long count
                ? new Storage(type.FullName, key, count)
                : throw new InvalidDataException("a persistent id is not a tensor storage");

        private object Call(Global function, object?[] args) => function.FullName switch
        {
            "collections.OrderedDict" when args.Length == 0 => new Dictionary<object, object?>(),
            "torch._utils._rebuild_tensor_v2" => RebuildTensor(args),
            _ => throw new InvalidDataException($"the pickle calls {function.FullName}, which saved tensors do not"),
        };

        /// <summary>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]): a dense, row-major view only.</summary>
        private Tensor RebuildTensor(object?[] args)
        {
            var storage = args.Length >= 4 && args[0] is Storage s ? s : throw new InvalidDataException("_rebuild_tensor_v2 without a storage");
            long offset = (long)args[1]!;
            long[] shape = [.. ((object?[])args[2]!).Select(d => (long)d!)];
            long[] stride = [.. ((object?[])args[3]!).Select(d => (long)d!)];
            long expected = 1;
            for (int i = shape.Length - 1; i >= 0; i--)
            {
                if (shape[i] != 1 && stride[i] != expected)
                {
                    throw new InvalidDataException($"a tensor of shape [{string.Join(", ", shape)}] has strides [{string.Join(", ", stride)}]; only row-major tensors are read");
                }

                expected *= shape[i];
            }

            var bytes = readStorage(storage.Key);
            int size = storage.Type switch
            {
                "torch.FloatStorage" => 4,
                "torch.HalfStorage" or "torch.BFloat16Storage" => 2,
                "torch.DoubleStorage" => 8,
                _ => throw new InvalidDataException($"a storage of {storage.Type} is not a float type this reader converts"),
            };
            if (bytes.LongLength != storage.Count * size || offset + expected > storage.Count)
            {
                throw new InvalidDataException($"storage {storage.Key} holds {bytes.LongLength} bytes, not the {storage.Count} elements of {size} bytes its tensor reads");
            }

            var values = new float[expected];
            var span = bytes.AsSpan((int)(offset * size));
            for (int i = 0; i < values.Length; i++)
            {
                var element = span.Slice(i * size, size);
                values[i] = storage.Type switch
                {
                    "torch.FloatStorage" => BinaryPrimitives.ReadSingleLittleEndian(element),
                    "torch.HalfStorage" => (float)BinaryPrimitives.ReadHalfLittleEndian(element),
                    "torch.BFloat16Storage" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(element) << 16),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(element),
                };
            }

            return new Tensor(shape, values);
        }

        private List<object?> PopToMark()
        {
            var items = new List<object?>();
            while (!ReferenceEquals(_stack.Peek(), Mark))
            {
                items.Add(_stack.Pop());
            }

            _stack.Pop();
            items.Reverse();
            return items;
        }

        private byte Byte() => _position < data.Length ? data[_position++] : throw new EndOfStreamException("the pickle ends before STOP");

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _position + count > data.Length)
            {
                throw new EndOfStreamException("the pickle ends inside a value");
            }

            _position += count;
            return data.AsSpan(_position - count, count);
        }

        private string Text(int length) => Encoding.UTF8.GetString(Take(length));

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', _position);
            if (end < 0)
            {
                throw new EndOfStreamException("a GLOBAL name has no end of line");
            }

            var text = Encoding.ASCII.GetString(data, _position, end - _position);
            _position = end + 1;
            return text;
        }

        private long Long1()
        {
            var bytes = Take(Byte());
            if (bytes.Length > 8)
            {
                throw new InvalidDataException("an integer wider than 64 bits");
            }

            long value = 0;
            for (int i = bytes.Length - 1; i >= 0; i--)
            {
                value = (value << 8) | bytes[i];
            }

            // Two's complement of the given width.
            return bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0 ? value - (1L << (8 * bytes.Length)) : value;
        }
    }
}
