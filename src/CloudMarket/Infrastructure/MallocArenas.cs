using System.Runtime.InteropServices;

namespace CloudMarket.Infrastructure;

/// <summary>
/// glibc's malloc arenas capped at one per core (at least two), as the app's own default on Linux.
/// </summary>
/// <remarks>
/// Why: glibc gives the threads that malloc arenas of their own, up to eight per core, and keeps their free
/// pages. A .NET app allocates its objects on the GC's heap, not with malloc; what
/// mallocs is the runtime itself (the JIT, the type loader) and native libraries, so the extra arenas buy little
/// and held 46–63 MB of an instance after the benchmark's bursts, against 24 MB with two (docs/performance.md,
/// points 38 and 52). glibc reads <c>MALLOC_ARENA_MAX</c> from the environment as the process starts, which a host
/// may not know to set; <c>mallopt(M_ARENA_MAX)</c> sets the same limit at run time, and glibc fixes its limit the
/// first time it needs a new arena beyond the ones it has, so this runs first thing in Main, before the app's
/// threads start. A host's own <c>MALLOC_ARENA_MAX</c> wins: then this does nothing.
/// </remarks>
public static class MallocArenas
{
    public const string EnvironmentVariable = "MALLOC_ARENA_MAX";

    // malloc.h: #define M_ARENA_MAX -8
    private const int ArenaMaxParameter = -8;

    /// <summary>The cap this app sets on a host of <paramref name="processorCount"/> cores.</summary>
    public static int CapFor(int processorCount) => Math.Max(2, processorCount);

    /// <summary>
    /// Caps the arenas unless the host chose its own limit. Returns the cap set, or null when it set none: not
    /// Linux, not glibc (musl has no arenas), or <c>MALLOC_ARENA_MAX</c> given.
    /// </summary>
    public static int? Cap()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(EnvironmentVariable) is not null)
            return null;
        var cap = CapFor(Environment.ProcessorCount);
        try
        {
            return NativeMethods.mallopt(ArenaMaxParameter, cap) == 1 ? cap : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    private static class NativeMethods
    {
        // "libc" is the runtime's name for the C library on Linux (libc.so.6 on glibc). Blittable ints only,
        // so no marshalling code (and no unsafe blocks) is needed.
        [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int mallopt(int parameter, int value);
    }
}
