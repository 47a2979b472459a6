"""Who may do what and how callers prove who they are: roles and permission checks (`authz`),
password hashing and bearer tokens (`credentials`), and masking personal identifiers in logs and
lists (`masking`)."""
