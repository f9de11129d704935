/**
 * Dense matrix multiplication (DGEMM, SGEMM) for the JVM through a Rust kernel called with
 * the Foreign Function and Memory API. Grant native access to this module alone with
 * {@code --enable-native-access=io.github.matmulffm}.
 */
module io.github.matmulffm {
    requires org.slf4j;

    exports io.github.matmulffm;
}
