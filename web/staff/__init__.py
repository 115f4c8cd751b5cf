"""The staff admin: sign-in, the queue, the request screen with the decisions of each role."""

from __future__ import annotations

from typing import Any

from web.staff import (
    api_clients,
    api_deliveries,
    api_subscriptions,
    audit,
    cases,
    dashboard,
    documents,
    files,
    imports,
    messages,
    notifications,
    outbox,
    people,
    picker,
    policy,
    queue,
    receive,
    refunds,
    register,
    register_form,
    request_screen,
    second_factor,
    signin,
)

ROUTES: list[Any] = [
    *signin.ROUTES,
    *second_factor.ROUTES,
    *queue.ROUTES,
    *request_screen.ROUTES,
    *files.ROUTES,
    *imports.ROUTES,
    *outbox.ROUTES,
    *audit.ROUTES,
    *cases.ROUTES,
    *dashboard.ROUTES,
    *documents.ROUTES,
    *refunds.ROUTES,
    *messages.ROUTES,
    *notifications.ROUTES,
    *people.ROUTES,
    *api_clients.ROUTES,
    *api_subscriptions.ROUTES,
    *api_deliveries.ROUTES,
    *picker.ROUTES,
    *policy.ROUTES,
    *receive.ROUTES,
    *register.ROUTES,
    *register_form.ROUTES,
]
