using System.Runtime.InteropServices;
using LLama.Native;

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
}
