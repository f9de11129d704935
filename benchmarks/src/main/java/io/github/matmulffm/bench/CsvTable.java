package io.github.matmulffm.bench;

import java.math.BigDecimal;
import java.math.MathContext;

/** {@code results.csv}: a row per benchmark x implementation x precision x size x threads, for scripts. */
final class CsvTable {

    private CsvTable() {
    }

    static String of(Results results) {
        StringBuilder out = new StringBuilder("benchmark,impl,precision,size,threads,median_us,error_us,gflops,"
                + "speedup_vs_java_naive,ratio_to_openblas\n");
        for (Results.Row r : results.all()) {
            out.append(String.join(",", r.benchmark(), r.impl(), r.precision(), Integer.toString(r.size()),
                    Integer.toString(r.threads()), number(r.medianUs()), number(r.errorUs()), number(r.gflops()),
                    results.speedupOverJavaNaive(r).map(CsvTable::number).orElse(""),
                    results.ratioToOpenBlas(r).map(CsvTable::number).orElse(""))).append('\n');
        }
        return out.toString();
    }

    /** Four significant digits; empty for a value JMH could not give (NaN error of one sample). */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "";
        }
        return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
