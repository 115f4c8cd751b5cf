"""The merchant portal: sign-in, home and notifications, the return form, the request page."""

from __future__ import annotations

from typing import Any

from web.merchant import documents, form, home, request_page, resumable, signin

ROUTES: list[Any] = [
    *signin.ROUTES,
    *home.ROUTES,
    *form.ROUTES,
    *request_page.ROUTES,
    *documents.ROUTES,
    *resumable.ROUTES,
]
