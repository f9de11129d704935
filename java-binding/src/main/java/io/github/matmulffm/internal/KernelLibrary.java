package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One opened instance of the kernel library: its own arena, its own symbol lookup
 * ({@link SymbolLookup#libraryLookup(Path, Arena)}, not {@code System.load}, so JNI's
 * one-class-loader rule does not apply) and the downcall handles bound through it.
 *
 * <p>When this object becomes unreachable (its class loader was dropped), a cleaner stops
 * and joins the kernel's thread pool ({@code mm_shutdown}) and only then closes the arena,
 * which unloads the library: a worker parked in unmapped code would crash the JVM. The
 * cleaning action is built from JDK method handles alone, so it does not keep this class
 * loader reachable (a lambda's class would, and the loader would never go away).
 *
 * <p>The generated bindings give the layouts, constants and descriptors' parts; their
 * own handles search the class loader's {@code System.load} libraries, which this one is
 * not among, so the handles are bound here ({@code BindingsDescriptorTest} checks these
 * descriptors against the generated ones).
 */
public final class KernelLibrary {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Linker LINKER = Linker.nativeLinker();

    /** One GEMM signature per precision: (layout, transA, transB, m, n, k, alpha, a, lda, aLen, b, ...). */
    static FunctionDescriptor gemmDescriptor(MemoryLayout scalar) {
        MemoryLayout i32 = matmul_kernel_h.C_INT;
        MemoryLayout i64 = matmul_kernel_h.C_LONG_LONG;
        MemoryLayout ptr = matmul_kernel_h.C_POINTER;
        return FunctionDescriptor.of(i32, i32, i32, i32, i64, i64, i64,
                scalar, ptr, i64, i64, ptr, i64, i64, scalar, ptr, i64, i64);
    }

    /** As {@link #gemmDescriptor} with the thread budget ({@code int32_t}) last. */
    static FunctionDescriptor budgetedGemmDescriptor(MemoryLayout scalar) {
        return gemmDescriptor(scalar).appendArgumentLayouts(matmul_kernel_h.C_INT);
    }

    /**
     * The strided batch signature: as {@link #gemmDescriptor} with each operand's stride
     * ({@code int64_t}) after its leading dimension, and the batch count last.
     */
    static FunctionDescriptor batchDescriptor(MemoryLayout scalar) {
        MemoryLayout i32 = matmul_kernel_h.C_INT;
        MemoryLayout i64 = matmul_kernel_h.C_LONG_LONG;
        MemoryLayout ptr = matmul_kernel_h.C_POINTER;
        return FunctionDescriptor.of(i32, i32, i32, i32, i64, i64, i64,
                scalar, ptr, i64, i64, i64, ptr, i64, i64, i64, scalar, ptr, i64, i64, i64, i64);
    }

    /** {@code mm_dgemm_batch_strided} or {@code mm_sgemm_batch_strided}. */
    static String batchSymbol(ElementType type) {
        return type == ElementType.F64 ? "mm_dgemm_batch_strided" : "mm_sgemm_batch_strided";
    }

    private static final FunctionDescriptor INT_OF_VOID = FunctionDescriptor.of(matmul_kernel_h.C_INT);
    private static final FunctionDescriptor INT_OF_INT = FunctionDescriptor.of(matmul_kernel_h.C_INT, matmul_kernel_h.C_INT);
    private static final FunctionDescriptor STRING_OF_VOID = FunctionDescriptor.of(matmul_kernel_h.C_POINTER);
    private static final FunctionDescriptor STRING_OF_INT = FunctionDescriptor.of(matmul_kernel_h.C_POINTER, matmul_kernel_h.C_INT);

    /**
     * Every function this glue binds, with its descriptor: the one table the handles are
     * bound from and {@code BindingsDescriptorTest} checks against the generated code.
     */
    static final Map<String, FunctionDescriptor> DESCRIPTORS = descriptors();

    private static Map<String, FunctionDescriptor> descriptors() {
        Map<String, FunctionDescriptor> all = new LinkedHashMap<>();
        for (NativeGemm.Routine routine : NativeGemm.Routine.values()) {
            MemoryLayout scalar = routine.elementType().scalarLayout();
            all.put(routine.symbol(), gemmDescriptor(scalar));
            if (routine.budgetedSymbol() != null) {
                all.put(routine.budgetedSymbol(), budgetedGemmDescriptor(scalar));
            }
        }
        for (ElementType type : ElementType.values()) {
            FunctionDescriptor batch = batchDescriptor(type.scalarLayout());
            all.put(batchSymbol(type), batch);
            all.put(batchSymbol(type) + "_budgeted", batch.appendArgumentLayouts(matmul_kernel_h.C_INT));
        }
        all.put("mm_set_num_threads", INT_OF_INT);
        all.put("mm_get_num_threads", INT_OF_VOID);
        all.put("mm_pool_threads", INT_OF_VOID);
        all.put("mm_threads_in_use", INT_OF_VOID);
        all.put("mm_threads_peak", INT_OF_INT);
        all.put("mm_shutdown", INT_OF_VOID);
        all.put("mm_kernel_name", STRING_OF_VOID);
        all.put("mm_version", STRING_OF_VOID);
        all.put("mm_status_message", STRING_OF_INT);
        return Map.copyOf(all);
    }

    private final String source;
    private final Path path;
    /** Indexed by {@link NativeGemm.Routine#ordinal()}. */
    private final MethodHandle[] plain;
    private final MethodHandle[] critical;
    /** The budgeted forms, null for a routine without one. */
    private final MethodHandle[] budgeted;
    /** The batch entry points, indexed by {@link ElementType#ordinal()}. */
    private final MethodHandle[] batchPlain;
    private final MethodHandle[] batchCritical;
    private final MethodHandle[] batchBudgeted;
    private final MethodHandle setNumThreads;
    private final MethodHandle getNumThreads;
    private final MethodHandle poolThreads;
    private final MethodHandle threadsInUse;
    private final MethodHandle threadsPeak;
    private final MethodHandle kernelName;
    private final MethodHandle version;
    private final MethodHandle statusMessage;

    private KernelLibrary(String source, Path path, SymbolLookup lookup) {
        this.source = source;
        this.path = path;
        NativeGemm.Routine[] routines = NativeGemm.Routine.values();
        plain = new MethodHandle[routines.length];
        critical = new MethodHandle[routines.length];
        budgeted = new MethodHandle[routines.length];
        for (NativeGemm.Routine routine : routines) {
            MemorySegment address = lookup.findOrThrow(routine.symbol());
            FunctionDescriptor descriptor = DESCRIPTORS.get(routine.symbol());
            plain[routine.ordinal()] = LINKER.downcallHandle(address, descriptor);
            critical[routine.ordinal()] = LINKER.downcallHandle(address, descriptor, Linker.Option.critical(true));
            if (routine.budgetedSymbol() != null) {
                budgeted[routine.ordinal()] = bind(lookup, routine.budgetedSymbol());
            }
        }
        ElementType[] types = ElementType.values();
        batchPlain = new MethodHandle[types.length];
        batchCritical = new MethodHandle[types.length];
        batchBudgeted = new MethodHandle[types.length];
        for (ElementType type : types) {
            MemorySegment address = lookup.findOrThrow(batchSymbol(type));
            FunctionDescriptor descriptor = DESCRIPTORS.get(batchSymbol(type));
            batchPlain[type.ordinal()] = LINKER.downcallHandle(address, descriptor);
            batchCritical[type.ordinal()] = LINKER.downcallHandle(address, descriptor, Linker.Option.critical(true));
            batchBudgeted[type.ordinal()] = bind(lookup, batchSymbol(type) + "_budgeted");
        }
        setNumThreads = bind(lookup, "mm_set_num_threads");
        getNumThreads = bind(lookup, "mm_get_num_threads");
        poolThreads = bind(lookup, "mm_pool_threads");
        threadsInUse = bind(lookup, "mm_threads_in_use");
        threadsPeak = bind(lookup, "mm_threads_peak");
        kernelName = bind(lookup, "mm_kernel_name");
        version = bind(lookup, "mm_version");
        statusMessage = bind(lookup, "mm_status_message");
    }

    private static MethodHandle bind(SymbolLookup lookup, String symbol) {
        return LINKER.downcallHandle(lookup.findOrThrow(symbol), DESCRIPTORS.get(symbol));
    }

    /**
     * Opens the file as a new library instance, or throws {@link IllegalArgumentException}
     * when the system cannot load it (the message is the loader's, e.g. a noexec mount).
     */
    static KernelLibrary open(Path path, String source) {
        Arena arena = Arena.ofShared();
        try {
            return open(path, source, arena);
        } catch (java.util.NoSuchElementException e) {
            arena.close();
            throw new IllegalArgumentException(path + " lacks a symbol of this binding (" + e.getMessage()
                    + "): it was built from another version of rust-kernel; rebuild it (cargo build --release)", e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static KernelLibrary open(Path path, String source, Arena arena) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, arena);
        KernelLibrary library = new KernelLibrary(source, path, lookup);
        MethodHandle shutdown = bind(lookup, "mm_shutdown");
        CLEANER.register(library, unloadAction(shutdown, arena));
        return library;
    }

    /** shutdown(), then arena.close(), as a Runnable made of JDK classes only. */
    private static Runnable unloadAction(MethodHandle shutdown, Arena arena) {
        try {
            MethodHandle close = MethodHandles.publicLookup()
                    .findVirtual(Arena.class, "close", MethodType.methodType(void.class)).bindTo(arena);
            MethodHandle stopThenClose = MethodHandles.foldArguments(close, MethodHandles.dropReturn(shutdown));
            return MethodHandleProxies.asInterfaceInstance(Runnable.class, stopThenClose);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Arena.close must be public", e);
        }
    }

    public String source() {
        return source;
    }

    public Path path() {
        return path;
    }

    /** The GEMM handle of a routine; heap segments need the critical one. */
    MethodHandle gemm(NativeGemm.Routine routine, boolean critical) {
        return (critical ? this.critical : plain)[routine.ordinal()];
    }

    /** The budgeted form of a routine (off-heap or staged operands only: never critical). */
    MethodHandle budgetedGemm(NativeGemm.Routine routine) {
        return budgeted[routine.ordinal()];
    }

    /** The strided batch handle of a precision; heap segments need the critical one. */
    MethodHandle batch(ElementType type, boolean critical) {
        return (critical ? batchCritical : batchPlain)[type.ordinal()];
    }

    /** The budgeted batch handle of a precision (never critical). */
    MethodHandle budgetedBatch(ElementType type) {
        return batchBudgeted[type.ordinal()];
    }

    /**
     * Keeps this instance (and so the library) alive up to this point: callers that hold a
     * handle from {@link #gemm} call it after their downcall.
     */
    void keepAlive() {
        Reference.reachabilityFence(this);
    }

    public int setNumThreads(int threads) {
        try {
            return (int) setNumThreads.invokeExact(threads);
        } catch (Throwable e) {
            throw failure("mm_set_num_threads", e);
        }
    }

    public int numThreads() {
        try {
            return (int) getNumThreads.invokeExact();
        } catch (Throwable e) {
            throw failure("mm_get_num_threads", e);
        }
    }

    /** Worker threads the kernel's pool holds now. */
    public int poolThreads() {
        try {
            return (int) poolThreads.invokeExact();
        } catch (Throwable e) {
            throw failure("mm_pool_threads", e);
        }
    }

    /** Slots that parallel and budgeted calls hold now. */
    public int threadsInUse() {
        try {
            return (int) threadsInUse.invokeExact();
        } catch (Throwable e) {
            throw failure("mm_threads_in_use", e);
        }
    }

    /** The most threads that multiplies held at once since the last reset. */
    public int threadsPeak(boolean reset) {
        try {
            return (int) threadsPeak.invokeExact(reset ? 1 : 0);
        } catch (Throwable e) {
            throw failure("mm_threads_peak", e);
        }
    }

    public String kernelName() {
        try {
            return string((MemorySegment) kernelName.invokeExact());
        } catch (Throwable e) {
            throw failure("mm_kernel_name", e);
        }
    }

    public String version() {
        try {
            return string((MemorySegment) version.invokeExact());
        } catch (Throwable e) {
            throw failure("mm_version", e);
        }
    }

    public String statusMessage(int status) {
        try {
            return string((MemorySegment) statusMessage.invokeExact(status));
        } catch (Throwable e) {
            throw failure("mm_status_message", e);
        }
    }

    private static String string(MemorySegment cString) {
        // Static NUL-terminated strings of the kernel; 256 bytes bounds the read.
        return cString.reinterpret(256).getString(0);
    }

    private static RuntimeException failure(String symbol, Throwable e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        return new MatmulException(symbol + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
    }
}
