"""Text shown to people: Vietnamese is the source language, marked for translation.

Every visible string goes through `_()` (Python) or `{{ _("...") }}` / `{% trans %}` (templates,
Jinja's i18n extension), the standard gettext markers. Today they return the Vietnamese text
itself; an English edition adds a catalogue (e.g. Flask-Babel, `pybabel extract` over these
markers) and installs its translations here, without touching a page.
"""

from __future__ import annotations

import gettext

from flask import Flask
from jinja2.ext import do, i18n

#: The language of the pages (the `lang` attribute of every page).
LANGUAGE = "vi"
_translations: gettext.NullTranslations = gettext.NullTranslations()


def _(message: str, **params: object) -> str:
    """Translate `message` and fill in `%(name)s` placeholders from `params`."""
    text = _translations.gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = _translations.ngettext(singular, plural, n)
    return text % {"num": n, **params}


def init_i18n(app: Flask) -> None:
    app.jinja_env.add_extension(i18n)
    app.jinja_env.add_extension(do)
    # newstyle: `_()` in templates escapes and formats like the Python function above.
    app.jinja_env.install_gettext_translations(_translations, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals["LANGUAGE"] = LANGUAGE
