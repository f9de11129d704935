//! The naive i-j-k product reproduces every checksum of `parity/cases.csv`, which the
//! Java tests reproduce too. With MATMUL_PARITY_WRITE=1 (`make parity`) the file is
//! regenerated from the case list in `parity/mod.rs` instead of checked.
mod common;
mod parity;

use parity::{generate, read_case_file, write_case_file, ParityCase, WRITE_ENV};

/// The file lists exactly the cases the generator makes, so a change to the list or to
/// the input rules cannot go unnoticed until someone runs `make parity`.
#[test]
fn case_file_is_current() {
    let mut generated = generate();
    if std::env::var_os(WRITE_ENV).is_some() {
        for case in &mut generated {
            case.checksum = Some(case.naive_checksum());
        }
        write_case_file(&generated);
        println!("wrote {} cases to {}", generated.len(), parity::case_file().display());
        return;
    }
    let file = read_case_file();
    assert!(file.len() >= 300, "parity/cases.csv has {} cases, expected at least 300", file.len());
    let without_checksum = |c: &ParityCase| ParityCase { checksum: None, ..c.clone() };
    for (i, want) in generated.iter().enumerate() {
        let got = file.get(i).map(without_checksum);
        assert_eq!(got.as_ref(), Some(want), "parity/cases.csv line {} differs from the generator: run make parity", i + 2);
    }
    assert_eq!(file.len(), generated.len(), "parity/cases.csv has extra cases: run make parity");
}

#[test]
fn naive_checksums_match_the_case_file() {
    let cases = read_case_file();
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = case.naive_checksum();
            let want = case.checksum.unwrap();
            (got != want).then(|| format!("{}: naive checksum {got:016x}, file says {want:016x}", case.name))
        })
        .collect();
    assert!(wrong.is_empty(), "{} of {} parity cases disagree with parity/cases.csv:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

/// The generator itself: a known SplitMix64 stream and checksum, so both languages can
/// pin the same constants in their own tests.
#[test]
fn generator_constants() {
    let mut rng = common::SplitMix64(0);
    assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
    let mut rng = common::SplitMix64(0x5EED_0000);
    let first: Vec<f64> = (0..3).map(|_| rng.unit()).collect();
    assert!(first.iter().all(|x| (-1.0..1.0).contains(x)), "{first:?}");
    assert_eq!(parity::checksum::<f64>(&[]), 0xcbf2_9ce4_8422_2325);
    assert_eq!(parity::checksum(&[f64::NAN]), parity::checksum(&[-f64::NAN]));
    assert_ne!(parity::checksum(&[0.0f64]), parity::checksum(&[-0.0f64]));
    assert_ne!(parity::checksum(&[1.0f32, 2.0]), parity::checksum(&[2.0f32, 1.0]));
}
