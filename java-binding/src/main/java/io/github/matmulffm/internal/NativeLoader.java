package io.github.matmulffm.internal;

import io.github.matmulffm.NativeLibraryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.SymbolLookup;
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
 * platform), writes it into a folder that only this user can change, and opens it with
 * {@link SymbolLookup#libraryLookup(Path, java.lang.foreign.Arena)} as a {@link KernelLibrary}
 * of this class loader's own.
 *
 * <p>Each class loader gets its own instance on POSIX systems: a private copy of the file,
 * deleted once opened, so two applications in one JVM (or the old and the new version of
 * one during a redeploy) never share thread settings or a pool that one of them stops.
 * Elsewhere (Windows, where a loaded file cannot be deleted), and for the
 * {@code matmul.library.path} override, which is opened in place, loaders share one
 * instance (and its thread setting); that is safe too: the kernel's pool starts again
 * after one loader's shutdown.
 */
public final class NativeLoader {
    /** Path of a kernel library to load instead of the jar's copy. */
    public static final String LIBRARY_PATH_PROPERTY = "matmul.library.path";
    /** Folder to extract the jar's library into, tried before the JVM's temporary folder. */
    public static final String EXTRACT_DIR_PROPERTY = "matmul.extract.dir";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLoader.class);
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final boolean UNIX_VIEW = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

    /** Written once under the class lock; read without it on every call. */
    private static volatile KernelLibrary library;
    private static NativeLibraryException failure;

    private NativeLoader() {
    }

    /**
     * Loads the library on first use. A failure is remembered and rethrown (as a new
     * exception with the same message) on every later call, so the cause stays visible.
     */
    public static KernelLibrary library() {
        KernelLibrary done = library;
        return done != null ? done : loadOnce();
    }

    private static synchronized KernelLibrary loadOnce() {
        if (library != null) {
            return library;
        }
        if (failure != null) {
            throw new NativeLibraryException(failure.getMessage(), failure);
        }
        try {
            library = load();
            warnIfNativeAccessDisabled();
            LOG.debug("matmul-ffm native library loaded from {} ({})", library.source(), library.path());
            return library;
        } catch (NativeLibraryException e) {
            failure = e;
            throw e;
        }
    }

    private static KernelLibrary load() {
        String override = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new NativeLibraryException("-D" + LIBRARY_PATH_PROPERTY + "=" + override
                        + " names no file (resolved to " + path + "); point it at a built "
                        + Platform.current().libraryFileName() + " or remove the property to use the jar's copy");
            }
            String source = "-D" + LIBRARY_PATH_PROPERTY + "=" + override;
            if (Platform.current().os().equals("linux")) {
                try {
                    GlibcRequirement.requireCompatible(Files.readAllBytes(path), path + " (from " + source + ")",
                            hostGlibc());
                } catch (IOException e) {
                    throw new NativeLibraryException("cannot read " + path + " (from " + source + "): " + e.getMessage(), e);
                }
            }
            try {
                return open(path, source);
            } catch (IllegalArgumentException e) {
                throw new NativeLibraryException("cannot load the matmul-ffm native library " + path + " (from " + source
                        + ") for " + Platform.current().id() + ": " + e.getMessage(), e);
            }
        }
        Platform platform = Platform.current();
        String resource = platform.resourcePath();
        URL url = NativeLoader.class.getResource("/" + resource);
        if (url == null) {
            throw new NativeLibraryException(missingPlatformMessage(platform, System.getProperty("os.name"),
                    System.getProperty("os.arch"), Platform.inJar(NativeLoader.class)));
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read " + url + ": " + e.getMessage(), e);
        }
        if (platform.os().equals("linux")) {
            GlibcRequirement.requireCompatible(bytes, url.toString(), hostGlibc());
        }
        return extractAndOpen(bytes, platform.libraryFileName(), url.toString());
    }

    /**
     * The host's glibc, asked through a downcall: where native access is denied, that fails
     * before any library is opened, with the same message as opening one would give.
     */
    private static java.util.Optional<String> hostGlibc() {
        try {
            return GlibcRequirement.host();
        } catch (IllegalCallerException e) {
            throw new NativeLibraryException(nativeAccessDeniedMessage(), e);
        }
    }

    /** What a user on a platform that the jar has no native for reads. */
    static String missingPlatformMessage(Platform platform, String osName, String osArch, List<Platform> inJar) {
        String shipped = inJar.isEmpty() ? "none (a jar built without its natives)"
                : String.join(", ", inJar.stream().map(Platform::id).toList());
        return "matmul-ffm has no native library for this platform: os.name=" + osName + ", os.arch=" + osArch
                + " (platform " + platform.id() + "); looked for " + platform.resourcePath()
                + ". This jar carries natives for: " + shipped + ". Build rust-kernel on this platform"
                + " (cargo build --release) and pass -D" + LIBRARY_PATH_PROPERTY + "=/path/to/" + platform.libraryFileName();
    }

    /**
     * Tries each folder of {@link #extractionCandidates()} in turn: makes {@code <folder>/<hash>}
     * private to this user, checks every folder up to the root, writes the library there and
     * opens it. A folder that fails for any reason (not writable, unsafe, mounted noexec) is
     * noted and the next one is tried; the exception lists them all.
     */
    static KernelLibrary extractAndOpen(byte[] bytes, String fileName, String source) {
        String hash = sha256(bytes);
        List<String> tried = new ArrayList<>();
        for (Path base : extractionCandidates()) {
            Path dir = base.resolve(hash.substring(0, 16));
            Path file = null;
            try {
                makePrivateDirectories(dir);
                dir = dir.toRealPath();
                String unsafe = unsafeFolder(dir);
                if (unsafe != null) {
                    tried.add(dir + " (" + unsafe + ")");
                    continue;
                }
                file = POSIX ? writeInstance(dir, fileName, bytes, hash) : extract(dir, fileName, bytes, hash);
                return open(file, source);
            } catch (IllegalArgumentException e) {
                tried.add(dir + " (cannot load " + (file == null ? fileName : file.getFileName()) + " from there: "
                        + e.getMessage() + ")");
            } catch (IOException | SecurityException | UnsupportedOperationException e) {
                tried.add(dir + " (" + e + ")");
            } finally {
                if (POSIX && file != null) {
                    // Opened (or failed): the mapping keeps the code; nobody else needs the name.
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        LOG.debug("cannot delete {}: {}", file, e.toString());
                    }
                }
            }
        }
        throw new NativeLibraryException("cannot extract and load the matmul-ffm native library; tried, in order: "
                + String.join("; ", tried) + ". Set -D" + EXTRACT_DIR_PROPERTY
                + "=/a/private/folder/on/an/exec/mount, or -D" + LIBRARY_PATH_PROPERTY + "=/path/to/" + fileName);
    }

    private static KernelLibrary open(Path file, String source) {
        try {
            return KernelLibrary.open(file, source);
        } catch (IllegalCallerException e) {
            throw new NativeLibraryException(nativeAccessDeniedMessage(), e);
        }
    }

    private static String nativeAccessDeniedMessage() {
        return "native access is denied to " + moduleName() + "; add --enable-native-access=" + moduleName()
                + " to the java command line";
    }

    /** A fresh private copy for this instance: a name no other loader or JVM uses. */
    private static Path writeInstance(Path dir, String fileName, byte[] bytes, String hash) throws IOException {
        int dot = fileName.lastIndexOf('.');
        Path file = Files.createTempFile(dir, fileName.substring(0, dot) + "-", fileName.substring(dot),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Files.write(file, bytes);
            if (!isSameContent(file, bytes.length, hash)) {
                throw new IOException(file + ": content differs after writing");
            }
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * Writes the library to {@code <dir>/<name>} unless an identical file is already there.
     * A private temporary file renamed into place makes concurrent JVMs safe: each sees
     * either no file or a complete one.
     */
    private static Path extract(Path dir, String fileName, byte[] bytes, String hash) throws IOException {
        Path target = dir.resolve(fileName);
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
        if (!isSameContent(target, bytes.length, hash)) {
            throw new IOException(target + ": content differs after writing");
        }
        return target;
    }

    /**
     * Creates the folder (and missing parents) readable and writable by this user only,
     * and refuses one that someone else owns or may write into.
     */
    private static void makePrivateDirectories(Path dir) throws IOException {
        if (!POSIX) {
            Files.createDirectories(dir);
            return;
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Why a folder is not safe to load code from, or null when it is: every folder from it
     * up to the root must be owned by this user or root and not writable by group or others
     * (a sticky folder such as /tmp is allowed above the extraction folder, since others
     * cannot rename or delete what is ours in it). Otherwise another local user could swap
     * the file between our check and the load, and run code in this JVM.
     */
    static String unsafeFolder(Path dir) throws IOException {
        if (!POSIX) {
            return null;
        }
        Path real = dir.toRealPath();
        // Who we are, as the file system sees it: the owner of a file we create. A user
        // name may not exist (a container's arbitrary uid has no passwd entry).
        Object me = ownerOfNewFile(real);
        for (Path folder = real; folder != null; folder = folder.getParent()) {
            Object owner = owner(folder);
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(folder);
            boolean ownerOk = owner.equals(me) || isRoot(owner);
            boolean othersWrite = permissions.contains(PosixFilePermission.GROUP_WRITE)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE);
            boolean sticky = UNIX_VIEW && (((Integer) Files.getAttribute(folder, "unix:mode")) & 01000) != 0;
            String what = folder.equals(real) ? "the extraction folder " : "its parent ";
            if (!ownerOk) {
                return what + folder + " is owned by " + Files.getOwner(folder).getName() + ", not by this user ("
                        + System.getProperty("user.name") + ") or root";
            }
            if (othersWrite && (folder.equals(real) || !sticky)) {
                return what + folder + " is writable by others (" + PosixFilePermissions.toString(permissions)
                        + (folder.equals(real) ? ")" : ", not sticky)");
            }
        }
        return null;
    }

    /** The numeric uid where the file system reports it, else the owner's name. */
    private static Object owner(Path path) throws IOException {
        return UNIX_VIEW ? Files.getAttribute(path, "unix:uid") : Files.getOwner(path).getName();
    }

    private static boolean isRoot(Object owner) {
        return owner.equals(0) || owner.equals("root");
    }

    /** The owner of a file created in {@code dir} (and deleted again). */
    private static Object ownerOfNewFile(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, "owner", ".probe");
        try {
            return owner(probe);
        } finally {
            Files.deleteIfExists(probe);
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

    /**
     * Where the library may be written, in this order: {@code -Dmatmul.extract.dir},
     * {@code <java.io.tmpdir>/matmul-ffm-<user>}, {@code ~/.cache/matmul-ffm}.
     */
    static List<Path> extractionCandidates() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty(EXTRACT_DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured).toAbsolutePath());
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        candidates.add(Path.of(System.getProperty("java.io.tmpdir"), "matmul-ffm-" + user).toAbsolutePath());
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, ".cache", "matmul-ffm").toAbsolutePath());
        }
        return candidates;
    }

    private static boolean isSameContent(Path target, long size, String hash) throws IOException {
        return Files.isRegularFile(target) && Files.size(target) == size && sha256(Files.readAllBytes(target)).equals(hash);
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
