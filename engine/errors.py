"""Engine errors carry a stable `code` slug and data; the HTTP layer maps them to statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; `field` is a dotted path such as `data.full_name`."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class DefinitionProblem:
    """One problem found in a deployed or validated diagram bundle."""

    severity: str  # "error" | "warning"
    message: str
    file: str | None = None
    line: int | None = None
    element_id: str | None = None


class EngineError(Exception):
    code = "engine-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AuthenticationError(EngineError):
    code = "authentication-required"


class PermissionDeniedError(EngineError):
    code = "permission-denied"


class NotFoundError(EngineError):
    code = "not-found"


class ConflictError(EngineError):
    code = "conflict"


class TaskAlreadyClaimedError(ConflictError):
    code = "task-already-claimed"


class TaskNotClaimedError(ConflictError):
    code = "task-not-claimed"


class TaskNotReadyError(ConflictError):
    code = "task-not-ready"


class ConcurrentModificationError(ConflictError):
    code = "concurrent-modification"


class InvalidStateError(ConflictError):
    """The action is not possible in the dossier's current status."""

    code = "invalid-state"


class DuplicateError(ConflictError):
    code = "duplicate"


class ReappointmentLimitError(ConflictError):
    """A dossier may get a new appointment (Mẫu 04) only once (R-2.5)."""

    code = "reappointment-limit"


class MigrationRefusedError(ConflictError):
    """Moving a dossier to another definition version is not safe; `detail` says why."""

    code = "migration-refused"


class ValidationFailedError(EngineError):
    code = "validation-failed"

    def __init__(self, detail: str, errors: list[FieldError]) -> None:
        super().__init__(detail)
        self.errors = errors


class InvalidDefinitionError(EngineError):
    code = "invalid-definition"

    def __init__(self, detail: str, problems: list[DefinitionProblem]) -> None:
        super().__init__(detail)
        self.problems = problems


class CodeSequenceExhaustedError(EngineError):
    """The unit has used all 9,999 dossier codes of the day (Circular 01/2018 art. 19)."""

    code = "dossier-code-exhausted"


class ProcessError(EngineError):
    """The diagram could not continue (e.g. no gateway condition matched); nothing was saved."""

    code = "process-error"


class TooManyAttemptsError(EngineError):
    """Too many failed logins for this account: try again after `retry_after` seconds."""

    code = "too-many-attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLargeError(EngineError):
    code = "too-large"


class StagingQuotaExceededError(PayloadTooLargeError):
    """An upload before the dossier exists that would take the account over what it may keep
    staged and unattached (`MOTCUA_STAGED_MAX_BYTES`, `MOTCUA_STAGED_MAX_FILES`)."""

    code = "staging-quota-exceeded"

    def __init__(
        self, detail: str, *, files: int, size: int, max_files: int, max_bytes: int
    ) -> None:
        super().__init__(detail)
        self.files = files
        self.size = size
        self.max_files = max_files
        self.max_bytes = max_bytes


class StagedFileGoneError(ValidationFailedError):
    """A dossier submitted with staged files of which some are no longer stored (swept after
    the TTL, or removed from another draft): nothing was submitted; `names` are to upload again."""

    code = "staged-file-gone"

    def __init__(self, detail: str, gone: list[tuple[str, str]]) -> None:
        """`gone`: (SHA-256, name) of each file no longer stored."""
        super().__init__(detail, [FieldError("files", f"upload {name} again") for _, name in gone])
        self.sha256s = [sha256 for sha256, _ in gone]
        self.names = [name for _, name in gone]


class UnsupportedMediaTypeError(EngineError):
    """An upload whose content is not one of the allowed file types."""

    code = "unsupported-media-type"
