"""The load: people using ReturnDesk at once, as they do — merchants signing in by SMS code,
filing returns with a photo through the five steps (no script, as the plainest phone does) and
watching their request; reviewers approving and rejecting from the queue; an inspector
receiving and passing parcels; finance refunding; a partner reading over the API.

Each simulated merchant comes from an address of its own (X-Forwarded-For, believed from
127.0.0.1 as from the reverse proxy production has). What people were told is written to
LOAD_RECORDS (a submission confirmed, a decision made, a decision seen) for tests/load/check.py.
A session lost with an emptied Redis is signed in again, as a person would.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any

import gevent
import requests
from locust import HttpUser, between, events, task
from PIL import Image

from tests.load.seed import PASSWORD, Seeded

SEEDED = Seeded.load(Path(os.environ["LOAD_SEED"]))
SMS_URL = os.environ["LOAD_SMS_URL"]
RECORDS = Path(os.environ["LOAD_RECORDS"])
_merchants = iter(SEEDED.merchants)
_staff = {role: itertools.cycle(names) for role, names in SEEDED.staff.items()}
_addresses = (f"10.{n // 250}.{n % 250 + 1}.7" for n in itertools.count())
_record_file = None

POLL_EVERY = 2.0  # seconds between the request page's asks
TOKEN = re.compile(r'"x-csrftoken": "([0-9a-f]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
POLL = re.compile(r"/status\?v=([\d.]+)")
VERSION = re.compile(r'name="version" value="(\d+)"')
RMAS = re.compile(r'href="/staff/requests/([A-Z0-9-]+)"')


def record(kind: str, **facts: Any) -> None:
    global _record_file
    if _record_file is None:
        RECORDS.mkdir(parents=True, exist_ok=True)
        _record_file = (RECORDS / f"locust-{os.getpid()}.jsonl").open("a")
    _record_file.write(json.dumps({"kind": kind, "at": time.time(), **facts}) + "\n")
    _record_file.flush()


def _photo() -> bytes:
    """A phone-like photo of a cracked screen: a few hundred KB of JPEG."""
    picture = Image.effect_noise((1600, 1200), 64).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


PHOTO = _photo()


def _secure_cookies_over_the_proxy_hop(policy: Any, cookie: Any, request: Any) -> bool:
    return True


# The load comes in over http to 127.0.0.1 as a TLS-terminating proxy's traffic does: the
# Secure cookies ReturnDesk sets (DEBUG off) go back as the phone's browser sends them over
# https. (requests copies each session's cookies into a jar of the default policy per request,
# so the default policy itself is told; this process talks to the stack alone.)
DefaultCookiePolicy.return_ok_secure = _secure_cookies_over_the_proxy_hop  # type: ignore[method-assign]


class Person(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"

    def token(self, path: str) -> str:
        page = self.client.get(path, name=_named(path))
        found = TOKEN.search(page.text)
        return found.group(1) if found else ""

    def post(self, path: str, fields: Any, name: str | None = None, **kw: Any) -> Any:
        token = self.token(kw.pop("token_from", "/"))
        body = [*(fields.items() if isinstance(fields, dict) else fields), ("_csrf_token", token)]
        return self.client.post(
            path, data=body, allow_redirects=False, name=name or _named(path), **kw
        )


def _named(path: str) -> str:
    """Requests grouped by page, not by RMA or draft."""
    path = path.split("?")[0]
    path = re.sub(r"/drafts/\d+/", "/drafts/{id}/", path)
    return re.sub(r"/(returns|requests|receive)/[A-Z0-9][A-Z0-9-]{8,}", r"/\1/{rma}", path)


class Merchant(Person):
    weight = 6
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        try:
            self.me = next(_merchants)
        except StopIteration:
            self.me = None
            self.stop()
            return
        self.client.headers["X-Forwarded-For"] = next(_addresses)
        self.client.headers["Accept-Language"] = "en"
        self.orders = list(self.me.orders)
        self.watching: dict[str, str] = {}  # rma -> poll fingerprint
        self.sign_in()
        self.poller = gevent.spawn(self.poll_forever)

    def sign_in(self) -> None:
        self.client.cookies.clear()
        before = len(requests.get(SMS_URL, params={"to": self.me.phone}, timeout=5).json())
        asked = self.post("/login", {"phone": self.me.phone, "next": "/"}, token_from="/login")
        if asked.status_code != 303:
            return
        code = ""
        for _ in range(40):  # the worker sends it within a second or two, Redis willing
            sent = requests.get(SMS_URL, params={"to": self.me.phone}, timeout=5).json()
            codes = [re.search(r"\d{6}", m["text"]) for m in sent[before:]
                     if m["idempotency_key"].startswith("signin:")]  # fmt: skip
            if codes and codes[-1]:
                code = codes[-1].group(0)
                break
            time.sleep(0.5)
        if code:
            self.post("/login/code", {"code": code, "next": "/"}, token_from="/login/code?next=%2F")

    def signed_out(self, response: Any) -> bool:
        if response.status_code in (302, 303) and "/login" in response.headers.get("location", ""):
            self.sign_in()
            return True
        return False

    @task(1)
    def file_a_return(self) -> None:
        if not self.orders:
            return
        order = self.orders[0]
        page = self.client.get(f"/returns/new?order_no={order['order_no']}&new=1", name="/returns/new",
                               allow_redirects=False)  # fmt: skip
        if self.signed_out(page):
            return
        key = IDEMPOTENCY.search(page.text)
        if not key:
            return
        item = str(order["item_id"])
        step = self.post("/returns/new", [("order_id", str(order["order_id"])),
                         ("idempotency_key", key.group(1)), ("item", item), (f"sn-{item}", order["serial"])])  # fmt: skip
        if step.status_code != 303 or "/step/2" not in step.headers.get("location", ""):
            return
        self.orders.pop(0)
        base = step.headers["location"].removesuffix("/2")
        draft = base.removesuffix("/step")
        self.post(f"{base}/2", {"reason": "quality_defect", "description": "屏幕开裂，无法开机"})
        token = self.token(f"{base}/3")
        self.client.post(f"{draft}/evidence", data={"_csrf_token": token}, allow_redirects=False,
                         files={"files": ("cracked.jpg", PHOTO, "image/jpeg")}, name="/returns/drafts/{id}/evidence")  # fmt: skip
        self.post(f"{base}/3", {})
        self.post(f"{base}/4", {"resolution": "refund", "refund_method": "bank_transfer",
                                "account_holder": "负载测试", "bank": "中国工商银行 静安支行",
                                "bank_account": "6222 0212 3456 7890", "contact_phone": self.me.phone})  # fmt: skip
        done = self.post(f"{base}/5", {})
        location = done.headers.get("location", "")
        if done.status_code == 303 and location.startswith("/returns/RD"):
            rma = location.removeprefix("/returns/")
            record("submitted", rma=rma)
            shown = self.client.get(location, name="/returns/{rma}")
            found = POLL.search(shown.text)
            self.watching[rma] = found.group(1) if found else ""

    def on_stop(self) -> None:
        if getattr(self, "poller", None) is not None:
            self.poller.kill()

    def poll_forever(self) -> None:
        """The open request page's poller, on its own timer (as htmx's is), each ask on a
        connection of its own so that any web process may answer: a decision made through
        one is seen through another."""
        while True:
            gevent.sleep(POLL_EVERY)
            for rma, seen in list(self.watching.items()):
                started = time.time()
                answer = self.client.get(f"/returns/{rma}/status?v={seen}", name="/returns/{rma}/status",
                                         headers={"HX-Request": "true", "Connection": "close"},
                                         allow_redirects=False)  # fmt: skip
                if "HX-Location" in answer.headers:  # htmx is sent elsewhere: signed out
                    self.sign_in()  # (an emptied Redis took the session), as the person would
                    break
                if answer.status_code not in (200, 204):
                    continue  # briefly unavailable: the next ask will do
                record(
                    "poll",
                    rma=rma,
                    started=started,
                    changed=answer.status_code == 200,
                    knew=int(seen.split(".")[0] or 0),
                )  # the version the page already showed
                if answer.status_code == 200:
                    page = self.client.get(f"/returns/{rma}", name="/returns/{rma}")
                    found = POLL.search(page.text)
                    self.watching[rma] = found.group(1) if found else seen
                    if "Approved" in page.text or "Rejected" in page.text:
                        del self.watching[rma]

    @task(1)
    def look_around(self) -> None:
        answer = self.client.get("/", name="/", allow_redirects=False)
        self.signed_out(answer)


class Staff(Person):
    abstract = True
    role = ""
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        super().on_start()
        self.client.headers["Accept-Language"] = "en"
        self.sign_in()

    def sign_in(self) -> None:
        self.client.cookies.clear()
        self.post("/staff/login", {"username": next(_staff[self.role]), "password": PASSWORD,
                                   "next": "/staff/queue"}, token_from="/staff/login")  # fmt: skip

    def queue(self) -> list[str]:
        page = self.client.get("/staff/queue", name="/staff/queue", allow_redirects=False)
        if page.status_code in (302, 303):
            self.sign_in()
            return []
        return list(dict.fromkeys(RMAS.findall(page.text)))

    def decide(self, rma: str, fields: dict[str, str]) -> Any:
        screen = self.client.get(f"/staff/requests/{rma}", name="/staff/requests/{rma}")
        version = VERSION.search(screen.text)
        if not version:
            return None
        token = TOKEN.search(screen.text)
        body = {
            **fields,
            "version": version.group(1),
            "_csrf_token": token.group(1) if token else "",
        }
        answer = self.client.post(f"/staff/requests/{rma}/decide", data=body, allow_redirects=False,
                                  name=f"/staff/requests/{{rma}}/decide ({fields['action']})")  # fmt: skip
        answer.version_after = int(version.group(1)) + 1  # the request's version once decided
        if answer.status_code == 303 and "/login" in answer.headers.get("location", ""):
            self.sign_in()  # the session went with an emptied Redis: nothing was decided
            return None
        return answer


class Reviewer(Staff):
    role = "reviewer"
    fixed_count = 2

    @task
    def review(self) -> None:
        waiting = self.queue()
        if not waiting:
            return
        rma = random.choice(waiting[:10])
        if random.random() < 0.8:
            fields = {"action": "approve", "fee_payer": "platform", "message": ""}
        else:
            fields = {
                "action": "reject",
                "reason_code": "not_a_defect",
                "message": "照片中未见故障",
            }
        answer = self.decide(rma, fields)
        if answer is not None and answer.status_code == 303:
            record("decided", rma=rma, action=fields["action"], version=answer.version_after)


class Inspector(Staff):
    role = "inspector"
    fixed_count = 1

    @task
    def receive_and_inspect(self) -> None:
        for rma in self.queue()[:3]:
            screen = self.client.get(f"/staff/requests/{rma}", name="/staff/requests/{rma}")
            items = re.findall(r'name="receipt-(\d+)"', screen.text)
            if items:
                self.decide(
                    rma, {"action": "receive", **{f"receipt-{i}": "received" for i in items}}
                )
                continue
            serials = re.findall(r"LT\d{8}SN\d{10}", screen.text)  # read off the unit's label
            checks = ("contents", "housing", "powers_on", "accessories", "reset")
            if 'value="inspect_pass"' in screen.text:
                body = {"action": "inspect_pass", "serial": serials[0] if serials else "",
                        "check": list(checks)}  # fmt: skip
                self.decide(rma, body)  # type: ignore[arg-type]


class Finance(Staff):
    role = "finance"
    fixed_count = 1

    @task
    def refund(self) -> None:
        for rma in self.queue()[:3]:
            self.decide(
                rma, {"action": "refund", "payment_reference": f"PAY{random.randrange(10**9)}"}
            )


class Partner(HttpUser):
    fixed_count = 1
    wait_time = between(1, 2)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {SEEDED.api_key}"

    @task
    def follow(self) -> None:
        self.client.get("/api/v1/returns?limit=20", name="/api/v1/returns")


@events.quitting.add_listener
def _close_records(**_: Any) -> None:
    if _record_file is not None:
        _record_file.close()
