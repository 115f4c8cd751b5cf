"""The staff admin: sign-in, the queue, the request screen with the decisions of each role."""

from __future__ import annotations

from typing import Any

from web.staff import files, queue, request_screen, signin

ROUTES: list[Any] = [*signin.ROUTES, *queue.ROUTES, *request_screen.ROUTES, *files.ROUTES]
