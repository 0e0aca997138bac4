using System.Text;

namespace Inference.Cli.Benchmarks;

/// <summary>Keeps the last lines written to it (the services' logs during a benchmark), shown only when something fails.</summary>
public sealed class TailWriter(int lines) : TextWriter
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            _lines.Enqueue(value ?? "");
            while (_lines.Count > lines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override void Write(char value)
    {
        if (value == '\n')
        {
            string line;
            lock (_gate)
            {
                line = _pending.ToString().TrimEnd('\r');
                _pending.Clear();
            }

            WriteLine(line);
            return;
        }

        lock (_gate)
        {
            _pending.Append(value);
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines);
        }
    }
}
