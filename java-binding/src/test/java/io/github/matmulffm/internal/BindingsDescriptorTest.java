package io.github.matmulffm.internal;

import io.github.matmulffm.internal.ffi.matmul_kernel_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The glue binds every handle through its own library lookup, with descriptors it builds
 * from the generated layouts; this checks them against the descriptors jextract generated
 * from the header, for every function the header declares. The generated accessors look
 * their symbol up in this class loader's System.load libraries, so the test loads a copy
 * of the kernel that way first (the binding itself never does).
 */
class BindingsDescriptorTest {

    @Test
    void everyBoundDescriptorMatchesTheGeneratedOne() throws Exception {
        // The native of the classes under test (target/classes, or the release jar under
        // make test-cross), not this host's cargo output: under qemu that is another CPU's.
        Path copy = Files.createTempFile("matmul-descriptors", Platform.current().libraryFileName());
        try (var in = NativeLoader.class.getResourceAsStream("/" + Platform.current().resourcePath())) {
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.load(copy.toString());
        Files.delete(copy);

        Set<String> bound = new TreeSet<>();
        for (var entry : KernelLibrary.DESCRIPTORS.entrySet()) {
            String symbol = entry.getKey();
            FunctionDescriptor generated = (FunctionDescriptor) matmul_kernel_h.class.getMethod(symbol + "$descriptor").invoke(null);
            assertEquals(generated, entry.getValue(), symbol);
            bound.add(symbol);
        }
        Set<String> declared = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of(System.getProperty("matmul.repo.root", ".."), "rust-kernel", "include",
                "matmul_kernel.h"))) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:const )?[a-z_0-9]+ \\**(mm_[a-z_0-9]+)\\(").matcher(line);
            if (m.find()) {
                declared.add(m.group(1));
            }
        }
        assertEquals(declared, bound, "functions of the header that the glue does not bind, or binds without a declaration");
    }
}
