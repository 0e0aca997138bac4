using System.Globalization;

namespace Integration.Tests.Fleet;

/// <summary>A process's descendants and their memory, read from /proc (Linux).</summary>
public static class ProcessTree
{
    /// <summary>The sum of VmRSS over every descendant of <paramref name="pid"/> (not the process itself), in bytes.</summary>
    public static long DescendantsRssBytes(int pid) => Descendants(pid).Sum(RssBytes);

    public static IReadOnlyList<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var child)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // Field 4, after the parenthesised command name (which may hold spaces).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[child] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // The process ended meanwhile.
        }

        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, _) in parents.Where(p => p.Value == parent))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }
        return found;
    }

    private static long RssBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
