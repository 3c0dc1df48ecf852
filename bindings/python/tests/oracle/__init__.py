"""An independent model of the consent-log audit (SPEC §4, §8), written from the
specification alone, and a generator of adversarial logs to compare the Rust
audit against it. Plain Python: neither module imports ``samtykke``."""
