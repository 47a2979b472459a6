"""The one JSON-Schema form renderer of the portal and the workspace (docs/web.md).

`SchemaForm(schema)` reads a form's schema; `from_post`/`blank` give a `FormState`, whose
`submit()` types and validates the data and whose `view()` the template
`forms/schema_form.html` draws.
"""

from web.forms_render.form import ACTION_FIELD, FormState, FormView, SchemaForm
from web.forms_render.schema import Field, read_schema

__all__ = ["ACTION_FIELD", "Field", "FormState", "FormView", "SchemaForm", "read_schema"]
