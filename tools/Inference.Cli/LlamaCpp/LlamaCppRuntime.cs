using System.Runtime.InteropServices;
using LLama.Abstractions;
using LLama.Native;
using Worker.Runtime.Ops;

namespace Inference.Cli.LlamaCpp;

/// <summary>
/// The llama.cpp native library that LLamaSharp.Backend.Cpu ships (one build per AVX level; LLamaSharp loads the
/// best one the CPU runs). Its log goes to stderr from errors up only, so a benchmark's output stays readable.
/// </summary>
public static class LlamaCppRuntime
{
    private static int _configured;

    /// <summary>Sets the log filter and loads the library; must run before the first LLamaSharp call, later calls do nothing.</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1)
        {
            return;
        }

        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level == LLamaLogLevel.Error)
            {
                Console.Error.Write($"[llama.cpp] {message}");
            }
        });

        // INFERENCE_CPU_ISA=avx2, which puts our kernels on their AVX2 path, puts llama.cpp on its AVX2 build too, so an
        // AVX-512 machine can measure both engines as an AVX2-only one (a Zen 3) would run them.
        if (string.Equals(Environment.GetEnvironmentVariable(CpuIsaSelection.EnvironmentVariable), "avx2", StringComparison.OrdinalIgnoreCase))
        {
            NativeLibraryConfig.All.WithSelectingPolicy(new Avx2LibraryPolicy());
        }

        // Loads the library through LLamaSharp's resolver (best AVX build); the quantizer's entry points do not.
        NativeApi.llama_empty_call();
    }

    /// <summary>llama.cpp's own system info line: the instruction sets its CPU backend was built for and uses.</summary>
    public static string SystemInfo()
    {
        Configure();
        return (Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? "").Trim();
    }

    /// <summary>Which of the package's builds was loaded (its AVX level), as LLamaSharp describes it.</summary>
    public static string LoadedLibrary()
    {
        Configure();
        return NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata?.ToString() ?? "unknown";
    }

    /// <summary>LLamaSharp's own choice among its builds, as on a CPU whose best level is AVX2.</summary>
    private sealed class Avx2LibraryPolicy : INativeLibrarySelectingPolicy
    {
        private readonly DefaultNativeLibrarySelectingPolicy _default = new();

        public IEnumerable<INativeLibrary> Apply(NativeLibraryConfig.Description description, SystemInfo systemInfo, NativeLogConfig.LLamaLogCallback? logCallback) =>
            _default.Apply(description with { AvxLevel = AvxLevel.Avx2 }, systemInfo, logCallback);
    }
}
