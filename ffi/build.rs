//! Gives the shared library the name it is installed under, `libsamtykke`, as its
//! SONAME, so programs linked with `-lsamtykke` load it by that name. Until 1.0 a
//! minor version may change the ABI, so it is part of the SONAME (as cargo-c does).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soversion = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsamtykke.so.{soversion}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
