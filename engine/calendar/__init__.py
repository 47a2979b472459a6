"""The working calendar: counting working days and hours (`working_days`), the official calendar
kept as data in the repository (`data`), and the immutable calendar versions each dossier's
deadlines are computed with (`versions`)."""
