//! `samtykke`: lint and declare a site's cookie policy, decode consent cookies,
//! audit consent logs, and run the embedded kk.dk demonstration (SPEC §9).
//!
//! Exit codes: 0 clean, 1 findings (lint warnings, audit violations), 2 errors (a
//! policy that does not load, an unreadable file, an input error in a log, a
//! cookie that does not decode, a usage error).
#![forbid(unsafe_code)]

mod audit;
mod out;

mod demo;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use out::{errln, out, outln};
use samtykke::CookieKey;
use samtykke_host::http::decode_with_keys;
use samtykke_host::OwnedPolicy;

/// The kk.dk policy (seed 000), embedded for `samtykke demo`.
pub(crate) const KK_DK_JSON: &str = include_str!("../../examples/kk.dk.policy.json");

#[derive(Parser, Debug)]
#[command(
    name = "samtykke",
    version,
    about = "Consent-state engine for cookies: lint, declare, decode, audit, demo"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load and lint a policy: exit 0 clean, 1 warnings, 2 errors.
    Lint {
        /// The policy JSON (schema samtykke/policy/1).
        policy: PathBuf,
    },
    /// Render the cookie declaration a site publishes: Markdown, or a complete,
    /// styled HTML page (or, with --fragment, only its content for a site's own
    /// page).
    Declare {
        /// The policy JSON.
        policy: PathBuf,
        /// Language of the declaration.
        #[arg(long, value_enum, default_value_t = LangArg::Da)]
        lang: LangArg,
        /// Output format: `html` is a complete page with its stylesheet inline.
        #[arg(long, value_enum, default_value_t = FormatArg::Markdown)]
        format: FormatArg,
        /// With `--format html`: only the content, to go inside a site's own
        /// `<main>` (no `<html>`, head or stylesheet).
        #[arg(long)]
        fragment: bool,
    },
    /// Decode a consent cookie, an IAB TCF v2 TC string or an IAB GPP string
    /// into JSON; which one it is is recognised from its first characters.
    Decode {
        /// The value: a consent cookie (`v1.…`), a TC string (`C…`) or a GPP
        /// string (`DB…~…`).
        value: String,
        /// The policy a consent cookie was written under (needed for cookies only).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// A file holding the site keys: one a line (the first signs, the others
        /// verify), or a file of random bytes that is one key.
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// Print Google Consent Mode v2's `gtag('consent', …)` script and the seven
    /// types' flags as JSON: the update for a visitor's consent cookie, or the
    /// default (all denied but the exempt) without one.
    ConsentMode {
        /// The policy JSON, with its `consent_mode` mapping.
        policy: PathBuf,
        /// The visitor's consent cookie value (`v1.…`, or `name=v1.…`).
        #[arg(long)]
        cookie: Option<String>,
        /// A file holding the site keys: one a line (the first signs, the others
        /// verify), or a file of random bytes that is one key.
        #[arg(long, requires = "cookie")]
        key_file: Option<PathBuf>,
        /// The time to answer for, RFC 3339 (default: now).
        #[arg(long, value_parser = parse_now)]
        now: Option<time::OffsetDateTime>,
    },
    /// Audit consent logs (JSON lines): exit 0 clean, 1 violations, 2 input errors.
    Audit {
        /// Log files, in order (`-`: standard input; gzip is read transparently;
        /// a `.parquet` file is read as a table of events, SPEC §17).
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// The policy the site ran under.
        #[arg(long)]
        policy: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
        format: AuditFormatArg,
        /// Seconds after a withdrawal before its categories' cookies are late.
        #[arg(long, default_value_t = 0)]
        grace_seconds: u32,
        /// Worker threads, visitors sharded among them (default: every core).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Merge the files, each in time order, by time into one clock: a
        /// visitor's events may then be spread over several files, and visitors
        /// idle past the longest TTL are shrunk to 20-byte tombstones; events of
        /// one second in different files are taken in the order the files are
        /// given.
        #[arg(long)]
        merge: bool,
    },
    /// Simulate a visit to kk.dk on the embedded policy, step by step.
    Demo,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AuditFormatArg {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    Da,
    En,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Markdown,
    Html,
}

/// What a consent cookie read without `--key-file` leaves undone.
const UNVERIFIED: &str =
    "note: read without --key-file: a signature, if the cookie has one, was not checked";

fn load(path: &PathBuf) -> Result<OwnedPolicy, ExitCode> {
    OwnedPolicy::load(path).map_err(|e| {
        errln!("error: {e}");
        ExitCode::from(2)
    })
}

fn parse_now(s: &str) -> Result<time::OffsetDateTime, String> {
    samtykke_host::time::parse_rfc3339(s)
        .ok_or_else(|| format!("\"{s}\" is not an RFC 3339 time such as 2026-03-01T10:00:00Z"))
}

/// The site keys of a key file, the one that signs first (`samtykke_host::keys`,
/// as the WordPress plugin and the example site read it).
fn read_keys(key_file: Option<PathBuf>) -> Result<Option<Vec<CookieKey>>, ExitCode> {
    let Some(path) = key_file else {
        return Ok(None);
    };
    match samtykke_host::keys::read_site_keys(&path) {
        Ok(keys) => Ok(Some(keys.iter().map(|k| CookieKey::new(k)).collect())),
        Err(e) => {
            errln!("error: {}: {e}", path.display());
            Err(ExitCode::from(2))
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, ExitCode> {
    match cli.command {
        Command::Lint { policy } => {
            let owned = load(&policy)?;
            let warnings = samtykke_host::lint(&owned);
            for w in &warnings {
                outln!("warning: {w}");
            }
            if warnings.is_empty() {
                outln!("{}: ok", policy.display());
                Ok(ExitCode::SUCCESS)
            } else {
                outln!("{}: {} warning(s)", policy.display(), warnings.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Declare {
            policy,
            lang,
            format,
            fragment,
        } => {
            if fragment && !matches!(format, FormatArg::Html) {
                let mut cli = Cli::command();
                cli.build();
                cli.find_subcommand_mut("declare")
                    .expect("the declare subcommand")
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--fragment needs --format html",
                    )
                    .exit();
            }
            let owned = load(&policy)?;
            let lang = match lang {
                LangArg::Da => samtykke_host::declare::Lang::Da,
                LangArg::En => samtykke_host::declare::Lang::En,
            };
            let format = match format {
                FormatArg::Markdown => samtykke_host::declare::Format::Markdown,
                FormatArg::Html if fragment => samtykke_host::declare::Format::HtmlFragment,
                FormatArg::Html => samtykke_host::declare::Format::Html,
            };
            out!(
                "{}",
                samtykke_host::declare::render(&owned.view(), lang, format)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Decode {
            value,
            policy,
            key_file,
        } => {
            use samtykke_host::iab_json::{self, ConsentString};
            let iab = match iab_json::recognise(&value) {
                ConsentString::Cookie => None,
                ConsentString::Tcf => Some(
                    iab_json::decode_tcf(&value)
                        .map_err(|e| format!("cannot decode the TC string: {e}")),
                ),
                ConsentString::Gpp => Some(
                    iab_json::decode_gpp(&value)
                        .map_err(|e| format!("cannot decode the GPP string: {e}")),
                ),
            };
            if let Some(decoded) = iab {
                let json = decoded.map_err(|e| {
                    errln!("error: {e}");
                    ExitCode::from(2)
                })?;
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&json).expect("JSON values always serialize")
                );
                return Ok(ExitCode::SUCCESS);
            }
            let Some(policy) = policy else {
                errln!("error: decoding a consent cookie needs --policy");
                return Err(ExitCode::from(2));
            };
            let owned = load(&policy)?;
            let keys = read_keys(key_file)?;
            let json = demo::decode_to_json(&owned, &value, keys.as_deref()).map_err(|e| {
                errln!("error: {e}");
                ExitCode::from(2)
            })?;
            outln!("{json}");
            if keys.is_none() {
                // Anyone can write a cookie that reads so: say what was not done.
                errln!("{UNVERIFIED}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ConsentMode {
            policy,
            cookie,
            key_file,
            now,
        } => {
            let owned = load(&policy)?;
            let keys = read_keys(key_file)?;
            let view = owned.view();
            let now = now.unwrap_or_else(time::OffsetDateTime::now_utc);
            let (script, flags) = match cookie {
                None => (
                    samtykke_host::consent_mode::default_script(&view, None),
                    samtykke_host::consent_mode::default_flags(&view),
                ),
                Some(value) => {
                    let value = samtykke_host::state_json::consent_cookie_value(&view, &value);
                    let state = decode_with_keys(&view, value.as_bytes(), keys.as_deref())
                        .map_err(|e| {
                            errln!("error: cannot decode the consent cookie: {e}");
                            ExitCode::from(2)
                        })?;
                    if keys.is_none() {
                        errln!("{UNVERIFIED}");
                    }
                    let state = state.state;
                    (
                        samtykke_host::consent_mode::update_script(&view, &state, now, None),
                        state.consent_mode(&view, now),
                    )
                }
            };
            if view.policy().consent_mode.is_empty() {
                errln!(
                    "warning: {}: the policy has no consent_mode: no type is mapped, so every type is denied",
                    policy.display()
                );
            }
            outln!("{script}");
            outln!("{}", samtykke_host::consent_mode::flags_json(flags));
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            logs,
            policy,
            format,
            grace_seconds,
            threads,
            merge,
        } => {
            let owned = load(&policy)?;
            let format = match format {
                AuditFormatArg::Text => samtykke_audit::Format::Text,
                AuditFormatArg::Json => samtykke_audit::Format::Json,
            };
            let mut options = samtykke_audit::AuditOptions::new()
                .grace_seconds(grace_seconds)
                .merge(merge);
            if let Some(n) = threads {
                options = options.threads(usize::from(n));
            }
            Ok(audit::run(&owned, &logs, format, options))
        }
        Command::Demo => {
            demo::run();
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let code = match Cli::try_parse() {
        Ok(cli) => run(cli).unwrap_or_else(|code| code),
        // `--help` and `--version` to standard output (exit 0), a usage error
        // to standard error (exit 2), through the same writers as the rest,
        // styled only on a terminal.
        Err(e) => {
            let to_stderr = e.use_stderr();
            let terminal = match to_stderr {
                true => std::io::stderr().is_terminal(),
                false => std::io::stdout().is_terminal(),
            };
            let text = e.render();
            let text = match terminal {
                true => text.ansi().to_string(),
                false => text.to_string(),
            };
            if to_stderr {
                out::write_err(format_args!("{text}"));
                ExitCode::from(2)
            } else {
                out!("{text}");
                ExitCode::SUCCESS
            }
        }
    };
    out::finish().err().unwrap_or(code)
}
