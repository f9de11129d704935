package io.github.matmulffm.spark;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java blocks that use Spark (the binding's ReadmeExamplesTest leaves them
 * here) compile against this module and Spark, run in local mode with the flags the README
 * gives, and print what their {@code // prints:} comments say.
 */
class ReadmeSparkExampleTest {
    private static final Path README = Path.of(System.getProperty("matmul.repo.root", ".."), "README.md");
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public (?:final )?class (\\w+)");
    private static final Pattern PRINTS = Pattern.compile("// prints: (.*)$", Pattern.MULTILINE);

    @Test
    void everySparkBlockCompilesRunsAndPrintsWhatItSays() throws Exception {
        List<String> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(Files.readString(README));
        while (matcher.find()) {
            if (matcher.group(1).contains("import org.apache.spark")) {
                blocks.add(matcher.group(1));
            }
        }
        assertFalse(blocks.isEmpty(), "README.md shows no Spark example");
        // The flags the examples run with are the ones the README tells users to give.
        String flags = System.getProperty("spark.test.jvm.flags");
        String readme = Files.readString(README);
        for (String flag : flags.trim().split("\\s+")) {
            assertTrue(readme.contains(flag), "the README does not list " + flag + ", which embedded Spark needs");
        }
        Path dir = Files.createTempDirectory("readme-spark");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin").toString();
        for (String block : blocks) {
            Matcher name = CLASS.matcher(block);
            assertTrue(name.find(), "a README Java block is not a whole file with a public class:\n" + block);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            Process javac = new ProcessBuilder(java + "/javac", "-cp", classPath, "-d", dir.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String errors = new String(javac.getInputStream().readAllBytes());
            assertTrue(javac.waitFor(120, TimeUnit.SECONDS), "javac did not finish");
            assertEquals(0, javac.exitValue(), "README block " + name.group(1) + " does not compile:\n" + errors);
            List<String> command = new ArrayList<>(List.of(java + "/java"));
            command.addAll(Arrays.asList(flags.trim().split("\\s+")));
            command.addAll(List.of("-Xmx1g", "-cp", dir + File.pathSeparator + classPath, name.group(1)));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), name.group(1) + " did not finish");
            assertEquals(0, process.exitValue(), name.group(1) + " failed:\n" + output);
            Matcher prints = PRINTS.matcher(block);
            int expected = 0;
            while (prints.find()) {
                expected++;
                String line = prints.group(1).trim();
                assertTrue(output.lines().anyMatch(l -> l.equals(line)),
                        name.group(1) + " should print \"" + line + "\"; it printed:\n" + output);
            }
            assertTrue(expected > 0, name.group(1) + " states nothing it prints");
        }
    }
}
