//! The web desk is embedded from `web/dist/` (built by `scripts/build-web.sh`): the folder is
//! made when missing so a plain `cargo build` works (the binary then says how to build the desk),
//! and any change in it rebuilds the server.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    if let Err(error) = std::fs::create_dir_all(&dist) {
        println!("cargo:warning=cannot make {}: {error}", dist.display());
    }
    println!("cargo:rerun-if-changed=../../web/dist");
}
