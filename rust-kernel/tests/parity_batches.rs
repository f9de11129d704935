//! `parity/batches.csv`: the naive product of each product of a strided batch reproduces
//! every checksum (the Java tests reproduce them too), and every kernel path, through the
//! batch entry, agrees with it within the gauge of `parity_kernels.rs` on every product,
//! on the thread setting and on 3 threads, leaving the gaps between C's matrices as they
//! were. With MATMUL_PARITY_WRITE=1 (`make parity`) the file is regenerated instead.
mod common;
mod parity;

use common::kinds;
use matmul_kernel::batch::batch_on;
use matmul_kernel::dispatch::KernelKind;
use matmul_kernel::gemm::Threads;
use matmul_kernel::MM_OK;
use parity::batches::{batch_file, generate, read_batch_file, write_batch_file, BatchCase, BatchInputs};
use parity::{ParityElement, WRITE_ENV};

#[test]
fn batch_file_is_current() {
    let mut generated = generate();
    if std::env::var_os(WRITE_ENV).is_some() {
        for case in &mut generated {
            case.checksum = Some(case.naive_checksum());
        }
        write_batch_file(&generated);
        println!("wrote {} batch cases to {}", generated.len(), batch_file().display());
        return;
    }
    let file = read_batch_file();
    let without_checksum = |c: &BatchCase| BatchCase { checksum: None, ..c.clone() };
    for (i, want) in generated.iter().enumerate() {
        let got = file.get(i).map(without_checksum);
        assert_eq!(got.as_ref(), Some(want), "parity/batches.csv line {} differs from the generator: run make parity", i + 2);
    }
    assert_eq!(file.len(), generated.len(), "parity/batches.csv has extra cases: run make parity");
}

#[test]
fn naive_checksums_match_the_batch_file() {
    let wrong: Vec<String> = read_batch_file()
        .iter()
        .filter_map(|case| {
            let (got, want) = (case.naive_checksum(), case.checksum.unwrap());
            (got != want).then(|| format!("{}: naive checksum {got:016x}, file says {want:016x}", case.product.name))
        })
        .collect();
    assert!(wrong.is_empty(), "batch parity cases disagree with parity/batches.csv:\n{}", wrong.join("\n"));
}

/// Product `i` of `got` against the naive result: the gauge inside its window, and every
/// element of C's span outside all windows (the gaps, the padding) unchanged.
fn compare<T: ParityElement>(case: &BatchCase, x: &BatchInputs<T>, want: &[T], got: &[T]) -> Result<(), String> {
    let p = &case.product;
    let eps = T::EPSILON.to_f64();
    let mut inside = vec![false; got.len()];
    let (sa, sb, sc) = (&x.a.one, &x.b.one, &x.c.one);
    for item in 0..case.count {
        let (oa, ob, oc) = (item * x.a.stride, item * x.b.stride, item * x.c.stride);
        for i in 0..p.m {
            for j in 0..p.n {
                let idx = oc + i * sc.rs + j * sc.cs;
                inside[idx] = true;
                let (g, w) = (got[idx].to_f64(), want[idx].to_f64());
                let mut scale = 0.0;
                if p.alpha != 0.0 {
                    for l in 0..p.k {
                        scale += (x.a.data[oa + i * sa.rs + l * sa.cs].to_f64() * x.b.data[ob + l * sb.rs + j * sb.cs].to_f64()).abs();
                    }
                    scale *= p.alpha.abs();
                }
                if p.beta != 0.0 {
                    scale += p.beta.abs() * x.c.data[idx].to_f64().abs();
                }
                let bound = (p.k as f64 + 2.0) * eps * scale;
                let bad = if bound == 0.0 { g != w } else { (g - w).abs() / bound >= 16.0 };
                if bad {
                    return Err(format!("product {item}: C[{i},{j}] = {g}, naive {w}"));
                }
            }
        }
    }
    for (idx, v) in got.iter().enumerate() {
        if !inside[idx] && v.canonical_bits() != x.c.data[idx].canonical_bits() {
            return Err(format!("C span element {idx}, outside every product's window, changed"));
        }
    }
    Ok(())
}

fn check<T: ParityElement>(case: &BatchCase, kind: KernelKind, threads: Threads) -> Result<(), String> {
    let x = case.inputs::<T>();
    let want = case.naive(&x);
    let mut got = x.c.data.clone();
    let batch = case.batch_over(&x, &mut got);
    let status = batch_on(kind, threads, &batch);
    if status != MM_OK {
        return Err(format!("status {status}"));
    }
    compare(case, &x, &want, &got)
}

#[test]
fn every_kernel_path_matches_the_naive_result_on_every_batch() {
    let cases = read_batch_file();
    let mut failures = Vec::new();
    for kind in kinds() {
        for threads in [Threads::Setting, Threads::Exactly(3)] {
            for case in &cases {
                let result = if case.product.f32 { check::<f32>(case, kind, threads) } else { check::<f64>(case, kind, threads) };
                if let Err(e) = result {
                    failures.push(format!("{} {threads:?} on {}: {e}", kind.name(), case.product.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
