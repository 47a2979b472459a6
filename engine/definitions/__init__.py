"""Deployed procedure definitions: a bundle and its deploy checks (`bundles`), the one
per-process cache of parsed definitions and their models (`cache`), and the reads about deployed
versions (`queries`, returning `results`). Deploying itself is a use case:
`engine.services.definitions`."""
