//! Every kernel path this CPU supports against the naive result, on every case of
//! `parity/cases.csv`: the gauge of DESIGN.md (ratio below 16), NaN and infinity exactly
//! where the naive result has them, and nothing written outside C's m x n window.
mod common;
mod parity;

use common::kinds;
use matmul_kernel::dispatch::KernelKind;
use matmul_kernel::gemm;
use matmul_kernel::MM_OK;
use parity::{read_case_file, ParityCase, ParityElement};

/// Elements after C's reach that no call may touch.
const GUARD: usize = 16;
const SENTINEL: f64 = 1234.5;

fn check<T: ParityElement>(case: &ParityCase, kind: KernelKind) -> Result<(), String> {
    let x = case.inputs::<T>();
    let want = case.naive(&x);
    let reach = x.c.data.len();
    let mut got = x.c.data.clone();
    got.extend(std::iter::repeat(T::from_unit(SENTINEL)).take(GUARD));
    let status = gemm::gemm_with(kind, &case.gemm_over(&x, &mut got, reach));
    if status != MM_OK {
        return Err(format!("status {status}"));
    }
    let eps = T::EPSILON.to_f64();
    let mut inside = vec![false; got.len()];
    for i in 0..case.m {
        for j in 0..case.n {
            let idx = i * x.c.rs + j * x.c.cs;
            inside[idx] = true;
            let (g, w) = (got[idx].to_f64(), want[idx].to_f64());
            let at = format!("C[{i},{j}] = {g}, naive {w}");
            if w.is_nan() || g.is_nan() || w.is_infinite() || g.is_infinite() {
                if !(w.is_nan() && g.is_nan()) && g != w {
                    return Err(format!("{at}: non-finite values must match"));
                }
                continue;
            }
            let mut scale = 0.0;
            if case.alpha != 0.0 {
                for l in 0..case.k {
                    scale += (x.a.data[i * x.a.rs + l * x.a.cs].to_f64() * x.b.data[l * x.b.rs + j * x.b.cs].to_f64()).abs();
                }
                scale *= case.alpha.abs();
            }
            if case.beta != 0.0 {
                scale += case.beta.abs() * x.c.data[idx].to_f64().abs();
            }
            let bound = (case.k as f64 + 2.0) * eps * scale;
            if bound == 0.0 {
                if g != w {
                    return Err(format!("{at}: must be exact"));
                }
            } else if (g - w).abs() / bound >= 16.0 {
                return Err(format!("{at}: ratio {}", (g - w).abs() / bound));
            }
        }
    }
    for (idx, v) in got.iter().enumerate() {
        let before = if idx < reach { x.c.data[idx] } else { T::from_unit(SENTINEL) };
        if !inside[idx] && v.canonical_bits() != before.canonical_bits() {
            return Err(format!("C[{idx}] outside the window changed from {before:?} to {v:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_kernel_path_matches_the_naive_result_on_every_case() {
    let cases = read_case_file();
    let mut failures = Vec::new();
    let paths = kinds();
    for &kind in &paths {
        for case in &cases {
            let result = if case.f32 { check::<f32>(case, kind) } else { check::<f64>(case, kind) };
            if let Err(e) = result {
                failures.push(format!("{} on {}: {e}", kind.name(), case.name));
            }
        }
    }
    let names: Vec<&str> = paths.iter().map(|k| k.name()).collect();
    println!("{} parity cases on kernels {names:?}", cases.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
