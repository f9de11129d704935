package io.github.matmulffm.internal;

import io.github.matmulffm.NativeLibraryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Finds the kernel (the {@code matmul.library.path} override, else the jar's copy for this
 * platform), extracts it once per content hash, and loads it with {@link System#load} from
 * this class loader, which is the one whose lookup the generated bindings search.
 */
public final class NativeLoader {
    /** Path of a kernel library to load instead of the jar's copy. */
    public static final String LIBRARY_PATH_PROPERTY = "matmul.library.path";
    /** Folder to extract the jar's library into (default: the JVM's temporary folder). */
    public static final String EXTRACT_DIR_PROPERTY = "matmul.extract.dir";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLoader.class);

    /** Where the library came from and the file loaded. */
    public record Loaded(String source, Path path) {
    }

    /** Written once under the class lock; read without it on every call. */
    private static volatile Loaded loaded;
    private static NativeLibraryException failure;

    private NativeLoader() {
    }

    /**
     * Loads the library on first use. A failure is remembered and rethrown (as a new
     * exception with the same message) on every later call, so the cause stays visible.
     */
    public static Loaded ensureLoaded() {
        Loaded done = loaded;
        return done != null ? done : loadOnce();
    }

    private static synchronized Loaded loadOnce() {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw new NativeLibraryException(failure.getMessage(), failure);
        }
        try {
            loaded = load();
            warnIfNativeAccessDisabled();
            LOG.debug("matmul-ffm native library loaded from {} ({})", loaded.source(), loaded.path());
            return loaded;
        } catch (NativeLibraryException e) {
            failure = e;
            throw e;
        }
    }

    private static Loaded load() {
        String override = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new NativeLibraryException("-D" + LIBRARY_PATH_PROPERTY + "=" + override
                        + " names no file (resolved to " + path + "); point it at a built "
                        + Platform.current().libraryFileName() + " or remove the property to use the jar's copy");
            }
            systemLoad(path, "-D" + LIBRARY_PATH_PROPERTY);
            return new Loaded("-D" + LIBRARY_PATH_PROPERTY + "=" + override, path);
        }
        Platform platform = Platform.current();
        String resource = platform.resourcePath();
        URL url = NativeLoader.class.getResource("/" + resource);
        if (url == null) {
            throw new NativeLibraryException("matmul-ffm has no native library for this platform: os.name="
                    + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch")
                    + " (platform " + platform.id() + "); looked for " + resource
                    + " in the jar. The jar ships linux-x86_64, linux-aarch64, macos-aarch64, macos-x86_64 and"
                    + " windows-x86_64 when built for them. Build rust-kernel for this platform"
                    + " (cargo build --release) and pass -D" + LIBRARY_PATH_PROPERTY + "=/path/to/"
                    + platform.libraryFileName());
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read " + url + ": " + e.getMessage(), e);
        }
        Path path = extract(bytes, platform.libraryFileName());
        systemLoad(path, url.toString());
        return new Loaded(url.toString(), path);
    }

    /**
     * Writes the library to {@code <dir>/<sha256>/<name>} unless an identical file is already
     * there. A private temporary file renamed into place makes concurrent JVMs safe: each
     * sees either no file or a complete one.
     */
    static Path extract(byte[] bytes, String fileName) {
        String hash = sha256(bytes);
        List<String> tried = new ArrayList<>();
        for (Path base : extractionCandidates()) {
            Path dir = base.resolve(hash.substring(0, 16));
            Path target = dir.resolve(fileName);
            try {
                makePrivateDirectories(dir);
                if (isSameContent(target, bytes.length, hash)) {
                    return target;
                }
                Path temporary = Files.createTempFile(dir, fileName, ".part");
                try {
                    Files.write(temporary, bytes);
                    moveIntoPlace(temporary, target);
                } finally {
                    Files.deleteIfExists(temporary);
                }
                if (isSameContent(target, bytes.length, hash)) {
                    return target;
                }
                tried.add(target + " (content differs after writing)");
            } catch (IOException | SecurityException | UnsupportedOperationException e) {
                tried.add(target + " (" + e + ")");
            }
        }
        throw new NativeLibraryException("cannot extract the matmul-ffm native library; tried: "
                + String.join("; ", tried) + ". Set -D" + EXTRACT_DIR_PROPERTY
                + "=/a/writable/folder, or -D" + LIBRARY_PATH_PROPERTY + "=/path/to/" + fileName);
    }

    /**
     * Creates the folder (and missing parents) readable and writable by this user only,
     * and refuses one that someone else owns or may write into: another local user who
     * could swap the file between our check and System.load would run code in this JVM.
     */
    private static void makePrivateDirectories(Path dir) throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir);
            return;
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        String owner = Files.getOwner(dir).getName();
        String user = System.getProperty("user.name");
        if (!owner.equals(user) || permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is owned by " + owner + " with permissions "
                    + PosixFilePermissions.toString(permissions) + "; it must be private to " + user);
        }
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileSystemException e) {
            // Another JVM may hold the target open (Windows); an identical file is fine.
            if (!Files.isRegularFile(target)) {
                throw e;
            }
        }
    }

    private static List<Path> extractionCandidates() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty(EXTRACT_DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
            return candidates;
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        candidates.add(Path.of(System.getProperty("java.io.tmpdir"), "matmul-ffm-" + user));
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, ".cache", "matmul-ffm"));
        }
        return candidates;
    }

    private static boolean isSameContent(Path target, long size, String hash) throws IOException {
        return Files.isRegularFile(target) && Files.size(target) == size && sha256(Files.readAllBytes(target)).equals(hash);
    }

    private static void systemLoad(Path path, String origin) {
        try {
            System.load(path.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLibraryException("cannot load the matmul-ffm native library " + path + " (from " + origin
                    + ") for " + Platform.current().id() + ": " + e.getMessage(), e);
        } catch (IllegalCallerException e) {
            throw new NativeLibraryException("native access is denied to " + moduleName()
                    + "; add --enable-native-access=" + moduleName() + " to the java command line", e);
        }
    }

    private static void warnIfNativeAccessDisabled() {
        Module module = NativeLoader.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            LOG.warn("native access is not enabled for {}; add --enable-native-access={} to the java command line"
                    + " (ALL-UNNAMED on the class path, io.github.matmulffm on the module path)", moduleName(), moduleName());
        }
    }

    private static String moduleName() {
        Module module = NativeLoader.class.getModule();
        return module.isNamed() ? module.getName() : "ALL-UNNAMED";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }
}
