//! Embeds every `gpu/*.cu` in the extension, so a new kernel is a new file and nothing else.
//! (maturin's `include` would drop the sources into site-packages as a stray top-level folder.)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let gpu = manifest.join("../../gpu");
    println!("cargo:rerun-if-changed={}", gpu.display());
    let mut sources: Vec<(String, PathBuf)> = std::fs::read_dir(&gpu)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "cu"))
                .filter_map(|p| {
                    let stem = p.file_stem()?.to_str()?.to_owned();
                    Some((stem, p))
                })
                .collect()
        })
        .unwrap_or_default();
    sources.sort();
    let mut table = String::from("&[\n");
    for (name, path) in &sources {
        println!("cargo:rerun-if-changed={}", path.display());
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| Path::new(path).to_path_buf());
        let _ = writeln!(
            table,
            "    ({name:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    table.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("kernels.rs");
    if let Err(e) = std::fs::write(&out, table) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
