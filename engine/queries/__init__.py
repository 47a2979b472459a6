"""The read side: one function per question a caller asks (a dossier, an inbox, the catalogue, a
definition's versions, a document as issued), each authorized and in one read-only unit of work.

Use-case layer beside `engine.services` (docs/architecture.md section 1): the services change
state, these only read it. `dossiers` also answers the catalogue (procedures, receiving units).
"""
