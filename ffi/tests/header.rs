//! The committed headers are exactly what the pinned cbindgen makes of the
//! sources: `include/samtykke.h` for C and `include/samtykke_php.h`, its
//! declarations-only variant for PHP's `FFI::cdef` (which takes no preprocessor
//! lines). A stale header fails this test; `SAMTYKKE_BLESS=1` rewrites both.

use std::fmt::{Debug, Write as _};
use std::path::{Path, PathBuf};

use samtykke::{Action, Code, Control, Kind, Why};
use samtykke_ffi::RespondFlag;
use samtykke_host::declare::{Format, Lang};
use samtykke_host::log_line::LogEvent;

/// `AcceptAll` as `ACCEPT_ALL`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// One C enum, named `samtykke_{name}`, from the core's list of values; each
/// value's comment is its name or message in the core. The type is `uint32_t`,
/// as every enum value crosses the boundary: a `typedef` in C, the enum's
/// underlying type in C++ (where the enum's tag is a type name already, so a
/// `typedef` of the same name would not compile), as cbindgen writes its own.
/// `cpp`: write the C++ guards (not for PHP, which reads no preprocessor line).
#[allow(clippy::too_many_arguments)]
fn c_enum<T: Debug + Copy>(
    out: &mut String,
    cpp: bool,
    name: &str,
    doc: &str,
    values: &[T],
    number: impl Fn(T) -> u32,
    text: impl Fn(T) -> &'static str,
) {
    let prefix = format!("SAMTYKKE_{}_", name.to_ascii_uppercase());
    writeln!(out, "\n/**\n * {doc}\n */").unwrap();
    if cpp {
        writeln!(
            out,
            "enum samtykke_{name}\n#ifdef __cplusplus\n  : uint32_t\n#endif // __cplusplus\n{{"
        )
        .unwrap();
    } else {
        writeln!(out, "enum samtykke_{name} {{").unwrap();
    }
    for &v in values {
        let variant = screaming(&format!("{v:?}"));
        writeln!(out, "  /** {} */", text(v)).unwrap();
        writeln!(out, "  {prefix}{variant} = {},", number(v)).unwrap();
    }
    if cpp {
        writeln!(
            out,
            "}};\n#ifndef __cplusplus\ntypedef uint32_t samtykke_{name};\n#endif // __cplusplus"
        )
        .unwrap();
    } else {
        writeln!(out, "}};\ntypedef uint32_t samtykke_{name};").unwrap();
    }
}

/// The C enums of the core's result codes and vocabularies.
fn enums(cpp: bool) -> String {
    let mut out = String::new();
    c_enum(
        &mut out,
        cpp,
        "result",
        "A result code: the core's `Code`, numbered by range and never reused\n \
         * (0 success, 1xx arguments and buffers, 2xx policies, 3xx consent cookies,\n \
         * 4xx consent states, 5xx logs, headers and records).\n \
         * samtykke_result_message() explains each.",
        Code::ALL,
        |c| c as u32,
        Code::message,
    );
    c_enum(
        &mut out,
        cpp,
        "kind",
        "The kind of a stored item, for samtykke_state_permits().",
        &Kind::ALL,
        |k| k as u32,
        Kind::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "control",
        "The control a visitor used, for the events.",
        &Control::ALL,
        |c| c as u32,
        Control::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "action",
        "What a visitor did; samtykke_state_gesture() takes the four that are\n \
         * never consent (dismiss, scroll, navigate, idle).",
        &Action::ALL,
        |a| a as u32,
        Action::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "why",
        "Why an item or a category is denied (samtykke_permit.why; 0 when\n \
         * allowed or undeclared).",
        &Why::ALL,
        |w| w as u32,
        Why::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "lang",
        "The language of the cookie declaration, for samtykke_policy_declaration().",
        &Lang::ALL,
        |l| l as u32,
        Lang::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "declaration_format",
        "The format of the cookie declaration, for samtykke_policy_declaration().",
        &Format::ALL,
        |f| f as u32,
        Format::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "log_event",
        "A line of the site's consent log, for samtykke_log_line().",
        &LogEvent::ALL,
        |e| e as u32,
        LogEvent::as_str,
    );
    c_enum(
        &mut out,
        cpp,
        "respond_flag",
        "The flags of samtykke_state_respond(), OR-ed together.",
        &RespondFlag::ALL,
        |f| f as u32,
        RespondFlag::as_str,
    );
    out
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs cbindgen on this crate with `cbindgen.toml`; `php` gives the variant
/// without preprocessor lines (no includes, guard, C++ guards or macros).
fn generate(php: bool) -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut config = cbindgen::Config::from_file(Path::new(dir).join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is readable");
    if php {
        config.include_guard = None;
        config.pragma_once = false;
        config.cpp_compat = false;
        config.no_includes = true;
        config.sys_includes.clear();
        config.includes.clear();
        config.after_includes = Some(enums(false));
        // Constants are `#define`s in C; PHP reads sizes with FFI::sizeof.
        config
            .export
            .item_types
            .retain(|t| *t != cbindgen::ItemType::Constants);
        config.header = Some(
            "/*\n * samtykke: declarations of libsamtykke for PHP's FFI::cdef (no preprocessor\n * lines). The C header, with the documentation's macros, is samtykke.h.\n */"
                .into(),
        );
    } else {
        config.after_includes = Some(
            format!(
                "\n/** The version of this header (and of the library it came with). */\n\
             #define SAMTYKKE_VERSION \"{}\"\n\
             #define SAMTYKKE_VERSION_MAJOR {}\n\
             #define SAMTYKKE_VERSION_MINOR {}\n\
             #define SAMTYKKE_VERSION_PATCH {}",
                env!("CARGO_PKG_VERSION"),
                env!("CARGO_PKG_VERSION_MAJOR"),
                env!("CARGO_PKG_VERSION_MINOR"),
                env!("CARGO_PKG_VERSION_PATCH"),
            ) + &enums(true),
        );
    }
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_crate(dir)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

fn check(php: bool, file: &str) {
    let path = root().join("include").join(file);
    let fresh = generate(php);
    if std::env::var_os("SAMTYKKE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/{file} is stale: regenerate it with \
         `SAMTYKKE_BLESS=1 cargo test -p samtykke-ffi --test header` and commit it"
    );
}

#[test]
fn c_header_is_fresh() {
    check(false, "samtykke.h");
}

#[test]
fn php_header_is_fresh_and_has_no_preprocessor_lines() {
    check(true, "samtykke_php.h");
    let php = generate(true);
    assert!(
        !php.lines().any(|l| l.trim_start().starts_with('#')),
        "FFI::cdef takes no preprocessor lines"
    );
    assert!(!php.contains("extern \"C\""));
}

#[test]
fn version_macros_come_from_cargo_toml() {
    let c = generate(false);
    let v = format!("#define SAMTYKKE_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(c.contains(&v));
}

#[test]
fn the_preamble_states_the_conventions_once() {
    let c = generate(false);
    let preamble = &c[..c.find("#define").expect("the header has macros")];
    for section in [
        "Results",
        "Outputs",
        "Buffers",
        "Text in",
        "NULL",
        "Time",
        "Ownership",
        "Thread-safety",
    ] {
        assert!(preamble.contains(section), "the preamble has no {section}");
    }
}

#[test]
fn every_function_documents_its_errors_and_safety() {
    let c = generate(false);
    let mut functions = 0;
    let mut offset = 0;
    for line in c.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        // A declaration starts at column 0 with its return type: `samtykke_result
        // samtykke_x(`, `const char *samtykke_x(`, `void samtykke_x(`.
        let Some(paren) = line.find('(') else {
            continue;
        };
        if line.starts_with([' ', '*', '/', '#']) || !line[..paren].contains("samtykke_") {
            continue;
        }
        let name = line[..paren].rsplit([' ', '*']).next().unwrap_or_default();
        let before = &c[..start];
        let doc = &before[before.rfind("/**").expect("a doc comment")..];
        assert!(doc.trim_end().ends_with("*/"), "{name} has no doc comment");
        // What a function does not return (a _free, a static string) it says so.
        let returns_code = line.starts_with("samtykke_result ");
        assert!(
            !returns_code || doc.contains("Errors"),
            "{name}: its doc has no Errors"
        );
        assert!(doc.contains("Safety"), "{name}: its doc has no Safety");
        functions += 1;
    }
    assert!(functions >= 20, "found {functions} functions");
}
