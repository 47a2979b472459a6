"""JSON Schema forms: loading a procedure's form files and validating submitted data.

Pure Python plus jsonschema; knows nothing of the engine, the database or HTTP.
"""

from forms.registry import FormFileError, load_directory, load_form_bytes
from forms.validation import FormFieldError, schema_problems, validate

__all__ = [
    "FormFieldError",
    "FormFileError",
    "load_directory",
    "load_form_bytes",
    "schema_problems",
    "validate",
]
