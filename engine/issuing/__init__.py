"""Documents of record as the engine issues them (issue 14): the data snapshot a form is
rendered from (`data`), each unit's signing keys (`signers`) and the sealers that number, render
and sign a document as it is issued, or take its number and hash from the log in replay
(`sealers`). Rendering and signing themselves are `engine.documents`.
"""
