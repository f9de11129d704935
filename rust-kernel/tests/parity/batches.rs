//! The batch parity vectors of `parity/batches.csv`: strided batches of one case's shape.
//! A case is a product description (as in `cases.csv`, without a special value) plus the
//! batch: `count` products, `share` (none, a, b or ab: that operand's stride is 0, one
//! matrix for all) and `gap` (elements between one matrix's reach and the next one's
//! start). Each operand's whole span is filled from SplitMix64(seed), A then B then C,
//! gaps included; the checksum is FNV-1a over C's whole span after the naive product of
//! each product in turn. `io.github.matmulffm.parity.BatchParityCase` repeats every rule.
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{checksum, read_lines, write_lines, ParityCase, ParityElement, Special, Stored};
use crate::common::SplitMix64;
use matmul_kernel::naive;
use matmul_kernel::problem::{Batch, RawBatch, RawGemm};
use matmul_kernel::{MM_COL_MAJOR, MM_NO_TRANS, MM_ROW_MAJOR, MM_TRANS};

pub const HEADER: &str = "name,type,layout,trans_a,trans_b,m,n,k,alpha,beta,pad_a,pad_b,pad_c,count,share,gap,seed,checksum";

pub fn batch_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("parity").join("batches.csv")
}

#[derive(Clone, Debug, PartialEq)]
pub struct BatchCase {
    /// The shape, scalars, padding and seed (special always none, checksum unused).
    pub product: ParityCase,
    pub count: usize,
    pub share_a: bool,
    pub share_b: bool,
    pub gap: usize,
    pub checksum: Option<u64>,
}

const SHARES: [&str; 4] = ["none", "a", "b", "ab"];

impl BatchCase {
    pub fn to_line(&self) -> String {
        let p = &self.product;
        let share = SHARES[self.share_a as usize + 2 * self.share_b as usize];
        let mut s = String::new();
        write!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:016x}",
            p.name,
            if p.f32 { "f32" } else { "f64" },
            if p.col_major { "col" } else { "row" },
            if p.trans_a { "T" } else { "N" },
            if p.trans_b { "T" } else { "N" },
            p.m,
            p.n,
            p.k,
            p.alpha,
            p.beta,
            p.pad[0],
            p.pad[1],
            p.pad[2],
            self.count,
            share,
            self.gap,
            p.seed,
            self.checksum.expect("checksum computed before writing"),
        )
        .unwrap();
        s
    }

    pub fn parse(line: &str) -> Result<BatchCase, String> {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 18 {
            return Err(format!("expected 18 fields, got {}: {line}", f.len()));
        }
        // The product's fields in cases.csv's order, with no special value.
        let single = [&f[..13], &["none", f[16], f[17]]].concat().join(",");
        let product = ParityCase::parse(&single)?;
        let share = SHARES.iter().position(|s| *s == f[14]).ok_or_else(|| format!("unknown share {}: {line}", f[14]))?;
        let num = |i: usize| f[i].parse::<usize>().map_err(|e| format!("field {i} ({}): {e}: {line}", f[i]));
        Ok(BatchCase {
            checksum: product.checksum,
            product: ParityCase { checksum: None, ..product },
            count: num(13)?,
            share_a: share & 1 != 0,
            share_b: share & 2 != 0,
            gap: num(15)?,
        })
    }
}

pub fn read_batch_file() -> Vec<BatchCase> {
    read_lines(&batch_file(), HEADER, BatchCase::parse)
}

pub fn write_batch_file(cases: &[BatchCase]) {
    write_lines(&batch_file(), HEADER, cases.iter().map(BatchCase::to_line));
}

/// The case list: the sizes (n = 8 and 32), tile edges, thin shapes, one product
/// big enough to be cut into pieces, every sharing, counts 0 and 1, and the quick returns.
pub fn generate() -> Vec<BatchCase> {
    let shapes = [
        (8, 8, 8, 64), (32, 32, 32, 6), (3, 5, 7, 9), (1, 1, 300, 5), (17, 9, 1, 11), (9, 49, 17, 4), (100, 100, 100, 2),
        (13, 11, 9, 1), (13, 11, 9, 0), (6, 7, 0, 5), (0, 7, 5, 3),
    ];
    let scalars = [(1.0, 0.0), (-1.5, 0.7), (0.7, 1.0), (0.0, -1.5)];
    let mut cases = Vec::new();
    let mut v = 0usize;
    for f32 in [false, true] {
        for &(m, n, k, count) in &shapes {
            let index = cases.len();
            let (alpha, beta) = scalars[v % 4];
            let share = v % 4;
            cases.push(BatchCase {
                product: ParityCase {
                    name: format!("batch-{index:03}"),
                    f32,
                    col_major: v % 3 == 1,
                    trans_a: v & 1 != 0,
                    trans_b: v & 2 != 0,
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                    pad: [v % 3, (v / 2) % 3, (v / 3) % 3],
                    special: Special::None,
                    seed: 0xBA7C_0000 + index as u64,
                    checksum: None,
                },
                count,
                share_a: share & 1 != 0,
                share_b: share & 2 != 0,
                gap: v % 5,
                checksum: None,
            });
            v += 1;
        }
    }
    cases
}

/// One operand's layout in its buffer: where matrix 0 lies, the stride, and the whole span.
pub struct Strided<T> {
    pub data: Vec<T>,
    pub one: Stored<T>,
    pub stride: usize,
}

fn strided<T: ParityElement>(shape: Stored<T>, shared: bool, count: usize, gap: usize, rng: &mut SplitMix64) -> Strided<T> {
    let reach = shape.data.len();
    let stride = if shared { 0 } else { reach + gap };
    let span = if count == 0 || reach == 0 { 0 } else { (count - 1) * stride + reach };
    Strided { data: (0..span).map(|_| T::from_unit(rng.unit())).collect(), one: Stored { data: Vec::new(), ..shape }, stride }
}

pub struct BatchInputs<T> {
    pub a: Strided<T>,
    pub b: Strided<T>,
    pub c: Strided<T>,
    /// Elements one matrix of each operand reaches.
    pub reach: [usize; 3],
}

impl BatchCase {
    /// The three spans, filled A, B, C from SplitMix64(seed).
    pub fn inputs<T: ParityElement>(&self) -> BatchInputs<T> {
        let p = &self.product;
        // The product's own description gives each operand's ld, strides and reach.
        let one = ParityCase { seed: 0, ..p.clone() }.inputs::<T>();
        let reach = [one.a.data.len(), one.b.data.len(), one.c.data.len()];
        let mut rng = SplitMix64(p.seed);
        let a = strided(one.a, self.share_a, self.count, self.gap, &mut rng);
        let b = strided(one.b, self.share_b, self.count, self.gap, &mut rng);
        let c = strided(one.c, false, self.count, self.gap, &mut rng);
        BatchInputs { a, b, c, reach }
    }

    /// The validated batch over `c` (a copy of the inputs' C span).
    pub fn batch_over<T: ParityElement>(&self, x: &BatchInputs<T>, c: &mut [T]) -> Batch<T> {
        let p = &self.product;
        let first = RawGemm {
            layout: if p.col_major { MM_COL_MAJOR } else { MM_ROW_MAJOR },
            trans_a: if p.trans_a { MM_TRANS } else { MM_NO_TRANS },
            trans_b: if p.trans_b { MM_TRANS } else { MM_NO_TRANS },
            m: p.m as i64,
            n: p.n as i64,
            k: p.k as i64,
            alpha: T::from_unit(p.alpha),
            a: x.a.data.as_ptr(),
            lda: x.a.one.ld as i64,
            a_len: x.a.data.len() as i64,
            b: x.b.data.as_ptr(),
            ldb: x.b.one.ld as i64,
            b_len: x.b.data.len() as i64,
            beta: T::from_unit(p.beta),
            c: c.as_mut_ptr(),
            ldc: x.c.one.ld as i64,
            c_len: c.len() as i64,
        };
        let raw = RawBatch { first, stride_a: x.a.stride as i64, stride_b: x.b.stride as i64, stride_c: x.c.stride as i64, count: self.count as i64 };
        raw.validate().unwrap_or_else(|s| panic!("{}: batch parity case must be valid, got status {s}", p.name))
    }

    /// C's span after the naive product of each product in turn.
    pub fn naive<T: ParityElement>(&self, x: &BatchInputs<T>) -> Vec<T> {
        let mut c = x.c.data.clone();
        let batch = self.batch_over(x, &mut c);
        for i in 0..batch.count {
            naive::gemm_naive(&batch.item(i));
        }
        c
    }

    pub fn naive_checksum(&self) -> u64 {
        if self.product.f32 {
            checksum(&self.naive::<f32>(&self.inputs()))
        } else {
            checksum(&self.naive::<f64>(&self.inputs()))
        }
    }
}
