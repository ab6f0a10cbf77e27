//! `renderiq-codegen`: writes every binding's generated models, enums, error table and hints.
//!
//! ```text
//! cargo run -p renderiq-codegen                  # rewrite the checked-in files
//! cargo run -p renderiq-codegen -- --out DIR     # write them under DIR at the same paths
//! cargo run -p renderiq-codegen -- --list        # print their paths
//! ```
//!
//! `scripts/regenerate.sh` runs it with `--out`; `scripts/check-generated.sh` diffs the result
//! against the checked-in copies.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ sits in the repository root")
        .to_path_buf()
}

fn main() -> ExitCode {
    let mut out = repo_root();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => match args.next() {
                Some(dir) => out = PathBuf::from(dir),
                None => {
                    eprintln!("--out needs a folder; usage: renderiq-codegen [--out DIR | --list]");
                    return ExitCode::from(2);
                }
            },
            "--list" => {
                for f in renderiq_codegen::files() {
                    println!("{}", f.path);
                }
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!(
                    "unknown argument {other:?}; usage: renderiq-codegen [--out DIR | --list]"
                );
                return ExitCode::from(2);
            }
        }
    }
    for f in renderiq_codegen::files() {
        let path = out.join(f.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &f.text));
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
