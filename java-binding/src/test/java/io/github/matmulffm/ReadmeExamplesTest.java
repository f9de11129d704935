package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java block of README.md, pasted into a file as it stands, compiles and runs, and
 * prints what its {@code // prints:} comments say. The README also names what no library
 * can guard (a truncated memory-mapped file), next to what this one does.
 */
class ReadmeExamplesTest {
    static final Path README = Path.of(System.getProperty("matmul.repo.root", ".."), "README.md");
    static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    static final Pattern CLASS = Pattern.compile("public (?:final )?class (\\w+)");
    static final Pattern PRINTS = Pattern.compile("// prints: (.*)$", Pattern.MULTILINE);

    /**
     * The Java blocks of the README, but for those that use Spark: the spark module's
     * ReadmeSparkExampleTest compiles and runs those, on a class path that has Spark.
     */
    static List<String> javaBlocks() throws Exception {
        List<String> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(Files.readString(README));
        while (matcher.find()) {
            if (!matcher.group(1).contains("import org.apache.spark")) {
                blocks.add(matcher.group(1));
            }
        }
        return blocks;
    }

    @Test
    void everyJavaBlockCompilesRunsAndPrintsWhatItSays() throws Exception {
        List<String> blocks = javaBlocks();
        assertFalse(blocks.isEmpty(), "README.md has no Java block");
        Path dir = Files.createTempDirectory("readme");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String block : blocks) {
            Matcher name = CLASS.matcher(block);
            assertTrue(name.find(), "a README Java block is not a whole file with a public class:\n" + block);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                    "-cp", classPath, "-d", dir.toString(), source.toString()).redirectErrorStream(true).start();
            assertTrue(javac.waitFor(120, TimeUnit.SECONDS), "javac did not finish");
            String errors = new String(javac.getInputStream().readAllBytes());
            assertEquals(0, javac.exitValue(), "README block " + name.group(1) + " does not compile:\n" + errors);

            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", dir + java.io.File.pathSeparator + classPath, name.group(1))
                    .redirectErrorStream(true).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), name.group(1) + " did not finish");
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(0, process.exitValue(), name.group(1) + " failed:\n" + output);
            Matcher prints = PRINTS.matcher(block);
            int expected = 0;
            while (prints.find()) {
                expected++;
                assertTrue(output.lines().anyMatch(l -> l.equals(prints.group(1).trim())),
                        name.group(1) + " should print \"" + prints.group(1).trim() + "\"; it printed:\n" + output);
            }
            assertTrue(expected > 0, name.group(1) + " states nothing it prints");
        }
    }

    @Test
    void theBadInputSectionNamesWhatNoLibraryCanGuard() throws Exception {
        String readme = Files.readString(README);
        int section = readme.indexOf("### Bad input");
        assertTrue(section >= 0, "README.md has no Bad input section");
        String rest = readme.substring(section);
        assertTrue(rest.contains("SIGBUS") && rest.contains("truncated"),
                "the Bad input section must say that a truncated memory-mapped file kills the JVM with SIGBUS");
    }
}
