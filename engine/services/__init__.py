"""Use cases: one public function per use case, one transaction each; the only code that commits."""
