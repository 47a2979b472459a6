"""JSON Schema forms: loading a procedure's form files and validating submitted data.

Pure Python plus jsonschema; knows nothing of the engine, the database or HTTP.
"""

from forms.field_errors import FormFieldError
from forms.prepared import PreparedForm, prepare
from forms.registry import FormFileError, load_directory, load_form_bytes
from forms.safety import FormProblem, bundle_problems
from forms.validation import schema_problems, validate

__all__ = [
    "FormProblem",
    "bundle_problems",
    "FormFieldError",
    "FormFileError",
    "load_directory",
    "load_form_bytes",
    "PreparedForm",
    "prepare",
    "schema_problems",
    "validate",
]
