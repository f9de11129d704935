package io.github.matmulffm.loaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * An application's own class loader over the binding and slf4j, as an application server,
 * a plugin host or a hot-reloading dev loop makes one: a child of the platform loader, so
 * every class of the binding is loaded anew, with its own statics and its own library.
 * Calls go through reflection, as the host's code would reach the app's.
 */
public final class IsolatedLoader implements AutoCloseable {
    private URLClassLoader loader;

    public IsolatedLoader() {
        loader = new URLClassLoader("app", urls(), ClassLoader.getPlatformClassLoader());
    }

    private static URL[] urls() {
        try {
            return new URL[]{
                    location("io.github.matmulffm.Matmul"),
                    location("org.slf4j.LoggerFactory"),
                    location("org.slf4j.simple.SimpleLogger")};
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static URL location(String className) throws ClassNotFoundException {
        return Class.forName(className, false, IsolatedLoader.class.getClassLoader()).getProtectionDomain().getCodeSource().getLocation();
    }

    /** Calls a public static method of {@code io.github.matmulffm.Matmul} inside this loader. */
    public Object matmul(String method, Class<?>[] types, Object... args) {
        try {
            Class<?> matmul = Class.forName("io.github.matmulffm.Matmul", true, loader);
            Method m = matmul.getMethod(method, types);
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    public double[][] multiply(double[][] a, double[][] b) {
        return (double[][]) matmul("multiply", new Class<?>[]{double[][].class, double[][].class}, a, b);
    }

    /** Row-major C := A * B over n x n double[]s (staged off-heap from n = 64 or so). */
    public void dgemm(int n, double[] a, double[] b, double[] c) {
        try {
            Class<?> layout = Class.forName("io.github.matmulffm.Layout", true, loader);
            Class<?> transpose = Class.forName("io.github.matmulffm.Transpose", true, loader);
            Object rowMajor = layout.getField("ROW_MAJOR").get(null);
            Object noTrans = transpose.getField("NO_TRANS").get(null);
            matmul("dgemm", new Class<?>[]{layout, transpose, transpose, int.class, int.class, int.class, double.class,
                            double[].class, int.class, double[].class, int.class, double.class, double[].class, int.class},
                    rowMajor, noTrans, noTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The KernelInfo record's component, by name. */
    public Object info(String component) {
        Object info = matmul("info", new Class<?>[0]);
        try {
            return info.getClass().getMethod(component).invoke(info);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    public void setThreads(int threads) {
        matmul("setThreads", new Class<?>[]{int.class}, threads);
    }

    /** Closes the loader and drops it; returns a reference that clears once it is collected. */
    public WeakReference<ClassLoader> drop() {
        WeakReference<ClassLoader> ref = new WeakReference<>(loader);
        close();
        return ref;
    }

    @Override
    public void close() {
        if (loader != null) {
            try {
                loader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            loader = null;
        }
    }

    /** Collects until the loader is gone; false if it is still reachable after {@code seconds}. */
    public static boolean awaitCollected(WeakReference<?> ref, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        return ref.get() == null;
    }
}
