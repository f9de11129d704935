//! The cross-language parity vectors of `parity/cases.csv`: the case list, how a case's
//! inputs are built from its seed, and the checksum of a result. The Java tests
//! (`io.github.matmulffm.parity`) repeat every rule here bit for bit, so any change to
//! the fill order, the NaN/Inf injection or the checksum must be made on both sides.
#![allow(dead_code)]

pub mod batches;

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::common::SplitMix64;
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::naive;
use matmul_kernel::problem::{Gemm, RawGemm};
use matmul_kernel::{MM_COL_MAJOR, MM_NO_TRANS, MM_ROW_MAJOR, MM_TRANS};

pub const HEADER: &str = "name,type,layout,trans_a,trans_b,m,n,k,alpha,beta,pad_a,pad_b,pad_c,special,seed,checksum";

/// Set to regenerate the case file instead of checking it (`make parity`).
pub const WRITE_ENV: &str = "MATMUL_PARITY_WRITE";

pub fn case_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("parity").join("cases.csv")
}

/// One non-finite value written into an input before the call, at a fixed element:
/// op(A)(m/2, k/2), op(B)(k/2, n/2) or C(m/2, n/2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    None,
    NanA,
    InfA,
    NanB,
    NegInfB,
    NanC,
    InfC,
}

impl Special {
    pub const ALL: [Special; 7] =
        [Special::None, Special::NanA, Special::InfA, Special::NanB, Special::NegInfB, Special::NanC, Special::InfC];

    pub fn name(self) -> &'static str {
        match self {
            Special::None => "none",
            Special::NanA => "nan_a",
            Special::InfA => "inf_a",
            Special::NanB => "nan_b",
            Special::NegInfB => "neg_inf_b",
            Special::NanC => "nan_c",
            Special::InfC => "inf_c",
        }
    }

    fn parse(s: &str) -> Option<Special> {
        Special::ALL.into_iter().find(|x| x.name() == s)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParityCase {
    pub name: String,
    pub f32: bool,
    pub col_major: bool,
    pub trans_a: bool,
    pub trans_b: bool,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: f64,
    pub beta: f64,
    pub pad: [usize; 3],
    pub special: Special,
    pub seed: u64,
    /// FNV-1a over C after the naive product; `None` until computed.
    pub checksum: Option<u64>,
}

impl ParityCase {
    pub fn to_line(&self) -> String {
        let mut s = String::new();
        write!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:016x}",
            self.name,
            if self.f32 { "f32" } else { "f64" },
            if self.col_major { "col" } else { "row" },
            if self.trans_a { "T" } else { "N" },
            if self.trans_b { "T" } else { "N" },
            self.m,
            self.n,
            self.k,
            self.alpha,
            self.beta,
            self.pad[0],
            self.pad[1],
            self.pad[2],
            self.special.name(),
            self.seed,
            self.checksum.expect("checksum computed before writing"),
        )
        .unwrap();
        s
    }

    pub fn parse(line: &str) -> Result<ParityCase, String> {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 16 {
            return Err(format!("expected 16 fields, got {}: {line}", f.len()));
        }
        let num = |i: usize| f[i].parse::<usize>().map_err(|e| format!("field {i} ({}): {e}: {line}", f[i]));
        let flag = |i: usize, no: &str, yes: &str| match f[i] {
            x if x == no => Ok(false),
            x if x == yes => Ok(true),
            x => Err(format!("field {i}: {x} is neither {no} nor {yes}: {line}")),
        };
        let real = |i: usize| f[i].parse::<f64>().map_err(|e| format!("field {i} ({}): {e}: {line}", f[i]));
        Ok(ParityCase {
            name: f[0].to_string(),
            f32: flag(1, "f64", "f32")?,
            col_major: flag(2, "row", "col")?,
            trans_a: flag(3, "N", "T")?,
            trans_b: flag(4, "N", "T")?,
            m: num(5)?,
            n: num(6)?,
            k: num(7)?,
            alpha: real(8)?,
            beta: real(9)?,
            pad: [num(10)?, num(11)?, num(12)?],
            special: Special::parse(f[13]).ok_or_else(|| format!("unknown special {}: {line}", f[13]))?,
            seed: f[14].parse().map_err(|e| format!("seed: {e}: {line}"))?,
            checksum: Some(u64::from_str_radix(f[15], 16).map_err(|e| format!("checksum: {e}: {line}"))?),
        })
    }
}

pub fn read_case_file() -> Vec<ParityCase> {
    read_lines(&case_file(), HEADER, ParityCase::parse)
}

pub fn write_case_file(cases: &[ParityCase]) {
    write_lines(&case_file(), HEADER, cases.iter().map(ParityCase::to_line));
}

/// The parsed lines of a parity file after its header, which must be `header`.
pub fn read_lines<C>(path: &std::path::Path, header: &str, parse: impl Fn(&str) -> Result<C, String>) -> Vec<C> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}; run make parity", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}: unexpected header", path.display());
    lines.filter(|l| !l.is_empty()).map(|l| parse(l).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).collect()
}

pub fn write_lines(path: &std::path::Path, header: &str, lines: impl Iterator<Item = String>) {
    let mut text = String::from(header);
    text.push('\n');
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The scalars every case draws from.
const SCALARS: [f64; 4] = [0.0, 1.0, -1.5, 0.7];

/// Builds the case list. Variety comes from a running counter `v`, so the list is the
/// same on every run; `make parity` turns it into the file.
pub fn generate() -> Vec<ParityCase> {
    let mut cases = Vec::new();
    let mut add = |family: &str, f32: bool, col_major: bool, v: usize, mnk: (usize, usize, usize), alpha: f64, beta: f64, pad: [usize; 3], special: Special| {
        let index = cases.len();
        cases.push(ParityCase {
            name: format!("{family}-{index:03}"),
            f32,
            col_major,
            trans_a: v & 1 != 0,
            trans_b: v & 2 != 0,
            m: mnk.0,
            n: mnk.1,
            k: mnk.2,
            alpha,
            beta,
            pad,
            special,
            seed: 0x5EED_0000 + index as u64,
            checksum: None,
        });
    };
    let nonzero_alpha = [1.0, -1.5, 0.7];
    let pads = |v: usize| [(v / 2) % 6, (v / 3) % 6, (v / 5) % 6];

    // Every remainder of every tile size (MR 4/6/8, NR 8..48) in m and in n, for each
    // type and layout (a column-major C swaps the roles of m and n in the kernel).
    let mut v = 0;
    for f32 in [false, true] {
        for col_major in [false, true] {
            for m in 0..=49 {
                let k = [1, 2, 3, 4, 7, 8, 9, 16, 17][v % 9];
                let alpha = nonzero_alpha[(v / 4) % 3];
                let beta = SCALARS[(v / 12) % 4];
                add("edge", f32, col_major, v, (m, 49 - m, k), alpha, beta, pads(v), Special::None);
                v += 1;
            }
        }
    }
    // k at the ends and around KC = 256, where the kernel switches k blocks.
    for f32 in [false, true] {
        for &k in &[0, 1, 2, 255, 256, 257, 300] {
            for &(m, n) in &[(9, 17), (31, 25)] {
                add("kedge", f32, v % 3 == 0, v, (m, n, k), nonzero_alpha[v % 3], SCALARS[v % 4], pads(v), Special::None);
                v += 1;
            }
        }
    }
    // Up to about 300: several MC blocks, the threaded path, and thin shapes.
    let large = [(97, 101, 255), (300, 300, 300), (129, 288, 64), (96, 97, 300), (257, 31, 200), (200, 150, 96), (1, 300, 300), (300, 1, 300), (288, 288, 1)];
    for f32 in [false, true] {
        for &mnk in &large {
            add("large", f32, v % 2 == 1, v, mnk, nonzero_alpha[v % 3], SCALARS[(v / 3) % 4], pads(v), Special::None);
            v += 1;
        }
    }
    // Every alpha, beta pair, zeros included.
    for f32 in [false, true] {
        for &alpha in &SCALARS {
            for &beta in &SCALARS {
                add("scalars", f32, v % 2 == 0, v, (13, 11, 9), alpha, beta, pads(v), Special::None);
                v += 1;
            }
        }
    }
    // One NaN or infinity in an input: it propagates, except where BLAS never reads it
    // (alpha == 0 skips A and B, beta == 0 skips C).
    for f32 in [false, true] {
        for special in &Special::ALL[1..] {
            for &(alpha, beta) in &[(1.0, 0.0), (-1.5, 0.7), (0.0, 1.0)] {
                add("special", f32, v % 2 == 1, v, (11, 13, 10), alpha, beta, pads(v), *special);
                v += 1;
            }
        }
    }
    // Leading-dimension padding 0 to 5 on each operand.
    for f32 in [false, true] {
        for col_major in [false, true] {
            for p in 0..6 {
                let pad = [p, (p + 2) % 6, 5 - p];
                add("pad", f32, col_major, v, (10, 7, 6), SCALARS[1 + p % 3], SCALARS[p % 4], pad, Special::None);
                v += 1;
            }
        }
    }
    // Thin products in every layout and transpose: a dot product, matrix x two-column panel,
    // vector x matrix, a 2 x 2 panel product (the kernel's streaming paths), and a rank-2
    // update (the tiled path, which the binding cuts into bands on heap arrays).
    let thin = [(1, 1, 4099), (517, 2, 40), (1, 517, 40), (2, 2, 1100), (300, 201, 2)];
    for f32 in [false, true] {
        for col_major in [false, true] {
            for t in 0..4 {
                for &mnk in &thin {
                    add("thin", f32, col_major, t, mnk, nonzero_alpha[v % 3], SCALARS[v % 4], pads(v), Special::None);
                    v += 1;
                }
            }
        }
    }
    cases
}

/// A stored operand: element (i, j) of op(X) at `i * rs + j * cs`; `data` holds exactly
/// the elements the description reaches.
pub struct Stored<T> {
    pub data: Vec<T>,
    pub ld: usize,
    pub rs: usize,
    pub cs: usize,
}

/// How each side turns the generator's doubles into its element type, and the bits the
/// checksum reads.
pub trait ParityElement: Kernels {
    fn from_unit(x: f64) -> Self;
    /// The IEEE bits, with every NaN mapped to one pattern: IEEE fixes when a result is
    /// NaN but not which NaN, and Java does not promise to keep payloads either.
    fn canonical_bits(self) -> u64;
}

impl ParityElement for f64 {
    fn from_unit(x: f64) -> f64 {
        x
    }
    fn canonical_bits(self) -> u64 {
        if self.is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            self.to_bits()
        }
    }
}

impl ParityElement for f32 {
    fn from_unit(x: f64) -> f32 {
        x as f32
    }
    fn canonical_bits(self) -> u64 {
        if self.is_nan() {
            0x7fc0_0000
        } else {
            self.to_bits() as u64
        }
    }
}

/// FNV-1a over 64-bit words (f32 bits zero-extended), in index order. Each step is a
/// bijection of the running hash, so a change in any single element changes the sum.
pub fn checksum<T: ParityElement>(c: &[T]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in c {
        h = (h ^ x.canonical_bits()).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn stored<T: ParityElement>(col_major: bool, trans: bool, op_rows: usize, op_cols: usize, pad: usize, rng: &mut SplitMix64) -> Stored<T> {
    let (rows, cols) = if trans { (op_cols, op_rows) } else { (op_rows, op_cols) };
    let (outer, inner) = if col_major { (cols, rows) } else { (rows, cols) };
    let ld = inner.max(1) + pad;
    let len = if outer == 0 || inner == 0 { 0 } else { (outer - 1) * ld + inner };
    // Padding between rows is filled too: it must never influence the result.
    let data = (0..len).map(|_| T::from_unit(rng.unit())).collect();
    let (srs, scs) = if col_major { (1, ld) } else { (ld, 1) };
    let (rs, cs) = if trans { (scs, srs) } else { (srs, scs) };
    Stored { data, ld, rs, cs }
}

pub struct Inputs<T> {
    pub a: Stored<T>,
    pub b: Stored<T>,
    pub c: Stored<T>,
}

impl ParityCase {
    /// A, B and C filled in that order from SplitMix64(seed), then the special value.
    pub fn inputs<T: ParityElement>(&self) -> Inputs<T> {
        let mut rng = SplitMix64(self.seed);
        let mut a = stored::<T>(self.col_major, self.trans_a, self.m, self.k, self.pad[0], &mut rng);
        let mut b = stored::<T>(self.col_major, self.trans_b, self.k, self.n, self.pad[1], &mut rng);
        let mut c = stored::<T>(self.col_major, false, self.m, self.n, self.pad[2], &mut rng);
        let (hm, hn, hk) = (self.m / 2, self.n / 2, self.k / 2);
        let put = |x: &mut Stored<T>, i: usize, j: usize, value: f64| {
            let idx = i * x.rs + j * x.cs;
            x.data[idx] = T::from_unit(value);
        };
        match self.special {
            Special::None => {}
            Special::NanA => put(&mut a, hm, hk, f64::NAN),
            Special::InfA => put(&mut a, hm, hk, f64::INFINITY),
            Special::NanB => put(&mut b, hk, hn, f64::NAN),
            Special::NegInfB => put(&mut b, hk, hn, f64::NEG_INFINITY),
            Special::NanC => put(&mut c, hm, hn, f64::NAN),
            Special::InfC => put(&mut c, hm, hn, f64::INFINITY),
        }
        Inputs { a, b, c }
    }

    /// The validated problem over `c`, whose first `c_len` elements are C's reach.
    pub fn gemm_over<T: ParityElement>(&self, x: &Inputs<T>, c: &mut [T], c_len: usize) -> Gemm<T> {
        let raw = RawGemm {
            layout: if self.col_major { MM_COL_MAJOR } else { MM_ROW_MAJOR },
            trans_a: if self.trans_a { MM_TRANS } else { MM_NO_TRANS },
            trans_b: if self.trans_b { MM_TRANS } else { MM_NO_TRANS },
            m: self.m as i64,
            n: self.n as i64,
            k: self.k as i64,
            alpha: T::from_unit(self.alpha),
            a: x.a.data.as_ptr(),
            lda: x.a.ld as i64,
            a_len: x.a.data.len() as i64,
            b: x.b.data.as_ptr(),
            ldb: x.b.ld as i64,
            b_len: x.b.data.len() as i64,
            beta: T::from_unit(self.beta),
            c: c.as_mut_ptr(),
            ldc: x.c.ld as i64,
            c_len: c_len as i64,
        };
        raw.validate().unwrap_or_else(|s| panic!("{}: parity case must be valid, got status {s}", self.name))
    }

    /// C after the naive i-j-k product: the result the checksum covers.
    pub fn naive<T: ParityElement>(&self, x: &Inputs<T>) -> Vec<T> {
        let mut c = x.c.data.clone();
        let len = c.len();
        naive::gemm_naive(&self.gemm_over(x, &mut c, len));
        c
    }

    pub fn naive_checksum(&self) -> u64 {
        if self.f32 {
            checksum(&self.naive::<f32>(&self.inputs()))
        } else {
            checksum(&self.naive::<f64>(&self.inputs()))
        }
    }
}
