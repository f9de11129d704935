//! The crate's modules form a layered graph: no module reaches, directly or through
//! others, back to itself (`ffi` translates at the boundary and nothing imports it; the
//! element type sits below the microkernels). And no thread-local state: a thread-local
//! with a destructor, touched by a host's thread, keeps the library mapped until that
//! thread exits, so a JVM class loader that drops the library could never unload it.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: src/microkernel/avx2.rs is `microkernel`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// Top-level modules named by `crate::x` paths, including `use crate::{x, y}` groups.
fn references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap();
            for item in group[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.insert(name);
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let targets = edges.entry(module.clone()).or_default();
        targets.extend(references(&text).into_iter().filter(|t| *t != module));
    }
    edges
}

fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(edges: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, start: &str) -> bool {
        let last = path.last().unwrap().clone();
        for next in edges.get(&last).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if !path.contains(next) {
                path.push(next.clone());
                if walk(edges, path, start) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(edges, &mut path, start).then_some(path)
}

#[test]
fn module_imports_have_no_cycle() {
    let edges = graph();
    assert!(edges.contains_key("gemm") && edges["gemm"].contains("driver"), "the scan found no imports: {edges:?}");
    for module in edges.keys() {
        if let Some(cycle) = cycle_from(&edges, module) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
    for (module, targets) in &edges {
        assert!(!targets.contains("ffi"), "{module} imports ffi: the boundary must only call inward");
    }
}

#[test]
fn the_scan_sees_a_cycle() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), references("use crate::{b, c};"));
    edges.insert("b".to_string(), references("let x = crate::a::X;"));
    assert_eq!(cycle_from(&edges, "a"), Some(vec!["a".into(), "b".into(), "a".into()]));
}

#[test]
fn no_thread_local_state() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("thread_local!"), "{} declares thread-local state", file.display());
    }
}
