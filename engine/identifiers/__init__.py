"""Identifiers the engine hands out or accepts: dossier codes (`codes`) and the integer range of
every id, version and sequence number (`numbers`)."""
