//! Records the git commit the binary is built from, for `--version`:
//! `TRACES_TOOL_COMMIT` is `git rev-parse --short HEAD` when the crate sits
//! at the top of a git work tree, else `unknown` (a `cargo package` or
//! `cargo install` build from the registry has no `.git`, and a package
//! unpacked under another repository must not take that repository's
//! commit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let same_dir = |top: &str| {
        let (a, b) = (Path::new(top).canonicalize(), dir.canonicalize());
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    };
    let commit = git(&dir, &["rev-parse", "--show-toplevel"])
        .filter(|top| same_dir(top))
        .and_then(|_| {
            // Rebuild when HEAD moves: HEAD itself, the branch it points
            // to, and packed-refs (where a branch may live instead).
            // A path that does not exist would rerun this script (and
            // rebuild the crate) on every build, so only existing ones.
            let watch = |name: &str| {
                if let Some(p) = git(&dir, &["rev-parse", "--git-path", name]) {
                    let p = dir.join(p); // stays as it is when absolute
                    if p.exists() {
                        println!("cargo:rerun-if-changed={}", p.display());
                    }
                }
            };
            watch("HEAD");
            if let Some(branch) = git(&dir, &["symbolic-ref", "-q", "HEAD"]) {
                watch(&branch);
            }
            watch("packed-refs");
            git(&dir, &["rev-parse", "--short", "HEAD"])
        })
        .unwrap_or_else(|| {
            // A missing `.git` makes cargo rerun this script on every build:
            // cheap for a one-off package build, and a package verified in
            // this crate's own target directory (which shares the build
            // script's output) cannot leave `unknown` behind for the next
            // build of the checkout.
            println!("cargo:rerun-if-changed={}", dir.join(".git").display());
            "unknown".to_owned()
        });
    println!("cargo:rustc-env=TRACES_TOOL_COMMIT={commit}");
}
