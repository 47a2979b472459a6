"""Tamper evidence and replay for auditors (docs/architecture.md s.5, docs/domain.md SEC-1..5).

`integrity` checks hash chains, `checkpoints` and `signing` sign their heads, `verify` walks the
whole database, `replay` rebuilds a dossier from its events, `timeline` puts events into words,
`bundle` exports a dossier for offline verification, `readlog` records who read personal data.
"""
