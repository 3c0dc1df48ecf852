//! samtykke's integration and property tests, in one binary. Each test carries the
//! id of the requirement it proves (SPEC §2): `cargo test r12` runs R12's proof.

mod audit;
mod audit_props;
mod audit_table;
mod audit_table_props;
mod conformance;
mod consent_mode;
mod cookie;
mod core_props;
mod counted;
mod http;
mod kk_walk;
mod lint;
mod oracle;
mod policy_json;
mod proof_json;
mod state_json;
mod tcf;
