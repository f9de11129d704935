package io.github.matmulffm.parity;

import io.github.matmulffm.parity.ParityCase.Stored;

/**
 * rust-kernel/src/naive.rs in Java, operation for operation: a plain multiply then add
 * per step in k order (Java never fuses them), then alpha * sum + beta * c. The float
 * version stays in float throughout; widening to double would change the rounding.
 */
final class NaiveGemm {
    private NaiveGemm() {
    }

    static void dgemm(ParityCase p, double alpha, double[] a, double[] b, double beta, double[] c) {
        Stored sa = p.storedA(), sb = p.storedB(), sc = p.storedC();
        boolean betaReadsC = beta != 0;
        boolean skipsProduct = p.k() == 0 || alpha == 0;
        for (int i = 0; i < p.m(); i++) {
            for (int j = 0; j < p.n(); j++) {
                int ci = sc.at(i, j);
                double scaled = betaReadsC ? beta * c[ci] : 0.0;
                double value;
                if (skipsProduct) {
                    value = scaled;
                } else {
                    double sum = 0.0;
                    for (int l = 0; l < p.k(); l++) {
                        sum = sum + a[sa.at(i, l)] * b[sb.at(l, j)];
                    }
                    value = betaReadsC ? alpha * sum + scaled : alpha * sum;
                }
                c[ci] = value;
            }
        }
    }

    static void sgemm(ParityCase p, float alpha, float[] a, float[] b, float beta, float[] c) {
        Stored sa = p.storedA(), sb = p.storedB(), sc = p.storedC();
        boolean betaReadsC = beta != 0;
        boolean skipsProduct = p.k() == 0 || alpha == 0;
        for (int i = 0; i < p.m(); i++) {
            for (int j = 0; j < p.n(); j++) {
                int ci = sc.at(i, j);
                float scaled = betaReadsC ? beta * c[ci] : 0.0f;
                float value;
                if (skipsProduct) {
                    value = scaled;
                } else {
                    float sum = 0.0f;
                    for (int l = 0; l < p.k(); l++) {
                        sum = sum + a[sa.at(i, l)] * b[sb.at(l, j)];
                    }
                    value = betaReadsC ? alpha * sum + scaled : alpha * sum;
                }
                c[ci] = value;
            }
        }
    }

    /** C of the case after the naive product, widened to double (exactly) for f32 cases. */
    static double[] result(ParityCase p, ParityCase.Inputs x) {
        if (!p.f32()) {
            double[] c = x.c().clone();
            dgemm(p, p.alpha(), x.a(), x.b(), p.beta(), c);
            return c;
        }
        float[] c = ParityCase.toFloat(x.c());
        sgemm(p, (float) p.alpha(), ParityCase.toFloat(x.a()), ParityCase.toFloat(x.b()), (float) p.beta(), c);
        double[] wide = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            wide[i] = c[i];
        }
        return wide;
    }

    static long checksum(ParityCase p) {
        ParityCase.Inputs x = p.inputs();
        if (!p.f32()) {
            double[] c = x.c().clone();
            dgemm(p, p.alpha(), x.a(), x.b(), p.beta(), c);
            return Checksum.of(c, 0, c.length);
        }
        float[] c = ParityCase.toFloat(x.c());
        sgemm(p, (float) p.alpha(), ParityCase.toFloat(x.a()), ParityCase.toFloat(x.b()), (float) p.beta(), c);
        return Checksum.of(c, 0, c.length);
    }
}
