//! Embeds the SQL migrations of both backends into the binary.
//!
//! sqlx's `migrate!` macro would do this too, but it pulls the database drivers into the
//! proc-macro build a second time; listing the files here costs nothing.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest_dir).join("../migrations");
    let mut generated = String::new();
    for backend in ["sqlite", "postgres"] {
        let dir = root.join(backend);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        files.sort();
        writeln!(
            generated,
            "/// Migrations for {backend}: (version, description, sql)."
        )
        .ok();
        writeln!(
            generated,
            "pub(crate) const {}: &[(i64, &str, &str)] = &[",
            backend.to_uppercase()
        )
        .ok();
        for path in files {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 file name");
            let (version, description) = stem.split_once('_').unwrap_or_else(|| {
                panic!("migration {stem} must be named <version>_<description>.sql")
            });
            let version: i64 = version
                .parse()
                .unwrap_or_else(|_| panic!("migration {stem} must start with a numeric version"));
            let canonical = path.canonicalize().expect("migration path exists");
            writeln!(
                generated,
                "    ({version}, {:?}, include_str!({:?})),",
                description.replace('_', " "),
                canonical.display().to_string()
            )
            .ok();
        }
        writeln!(generated, "];").ok();
    }
    std::fs::write(Path::new(&out_dir).join("migrations.rs"), generated)
        .expect("write generated migrations list");
}
