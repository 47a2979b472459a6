"""Procedures as the engine knows them: the model a diagram declares (`model`) and the legal
checks every deployed diagram gets (`checks`)."""
