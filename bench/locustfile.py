"""Mixed browse-and-edit workload for bench/load_test.py (which seeds the users, API tokens
and records this file expects, and passes them in LOAD_* environment variables).

- PortalUser (most users): signed in (a session load_test.py made, or else through the
  login form), browses list pages, record
  pages and the dashboard, and now and then edits a risk through its edit form (CSRF token
  and the version read with the form, as a browser sends them).
- APIClient: token authentication; lists and reads through the API and updates suppliers
  with the version it read.

The server runs with production settings over plain HTTP on loopback: its cookies are marked
Secure, which HTTP clients rightly do not send back over HTTP, so each user keeps its
session and CSRF cookies itself and sends them in a Cookie header.
"""

import json
import os
import random
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

USERS = os.environ.get("LOAD_USERS", "lead,owner,exec,auditor").split(",")
EDITORS = os.environ.get("LOAD_EDITORS", "lead").split(",")
PASSWORD_SUFFIX = "-demo-2026"
TOKENS = os.environ.get("LOAD_TOKENS", "").split(",")
IDS = json.loads(os.environ.get("LOAD_IDS", "{}"))
SESSIONS = json.loads(os.environ.get("LOAD_SESSIONS", "[]"))

LIST_PAGES = [
    "/inventory/systems/",
    "/inventory/suppliers/",
    "/inventory/changes/",
    "/assessments/impact/",
    "/assessments/risks/",
    "/controls/soa/",
    "/controls/catalogue/",
    "/audits/findings/",
    "/inventory/systems/?risk_tier=high",
    "/assessments/risks/?page=2",
]
COOKIE = re.compile(r"^(sessionid|csrftoken)=([^;]*)")


class FormParser(HTMLParser):
    """The values a browser would submit from the page's record form."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_form, self.select, self.textarea = [], False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and a.get("method", "").lower() == "post"
            and "record-form" in (a.get("class") or "")
        ):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append([self.select, a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
            self.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


class CookieKeeping:
    cookies = None

    def keep(self, response):
        for name, value in response.headers.items() if response.headers else []:
            if name.lower() == "set-cookie":
                match = COOKIE.match(value)
                if match:
                    self.cookies[match.group(1)] = match.group(2)

    def headers(self, **extra):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, **extra}


class PortalUser(CookieKeeping, FastHttpUser):
    weight = 4
    # People read a page before the next click: 2 to 6 s (API clients below: 1 to 3 s).
    wait_time = between(2.0, 6.0)

    def on_start(self):
        self.cookies = {}
        if SESSIONS:
            # Already signed in (load_test.py made the sessions): the run measures browsing
            # and editing, not 50 password hashes (PBKDF2, slow on purpose) in the first
            # seconds. Any CSRF secret of the right form is accepted; the server masks it.
            self.username, session = SESSIONS.pop()
            self.cookies = {"sessionid": session, "csrftoken": secrets.token_hex(16)}
            return
        self.username = random.choice(USERS)
        with self.client.get("/accounts/login/", name="login form", catch_response=True) as r:
            self.keep(r)
        body = {
            "username": self.username,
            "password": self.username + PASSWORD_SUFFIX,
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
        }
        with self.client.post(
            "/accounts/login/",
            data=body,
            headers=self.headers(**{"Content-Type": "application/x-www-form-urlencoded"}),
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            self.keep(r)
            if r.status_code != 302:
                r.failure(f"login as {self.username} answered {r.status_code}")

    def get(self, path, name):
        with self.client.get(path, headers=self.headers(), name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{path} answered {r.status_code}")
            return r

    @task(6)
    def list_page(self):
        path = random.choice(LIST_PAGES)
        self.get(path, name=path.split("?")[0] + ("?…" if "?" in path else ""))

    @task(5)
    def detail_page(self):
        kind = random.choice(["systems", "risks", "suppliers"])
        url = {
            "systems": "/inventory/systems/{}/",
            "risks": "/assessments/risks/{}/",
            "suppliers": "/inventory/suppliers/{}/",
        }[kind]
        self.get(url.format(random.choice(IDS[kind])), name=url.format("[id]"))

    @task(2)
    def dashboard(self):
        self.get("/", name="/ (dashboard)")

    @task(1)
    def history(self):
        self.get(
            "/history/assessments/risk/{}/".format(random.choice(IDS["risks"])),
            name="/history/assessments/risk/[id]/",
        )

    @task(2)
    def edit_risk(self):
        if self.username not in EDITORS:
            return
        url = "/assessments/risks/{}/edit/".format(random.choice(IDS["risks"]))
        page = self.get(url, name="/assessments/risks/[id]/edit/ (form)")
        if page.status_code != 200:
            return
        form = FormParser()
        form.feed(page.text)
        fields = [[name, value] for name, value in form.fields if name not in ("treatment_plan",)]
        fields.append(["treatment_plan", f"Reviewed under load {random.randint(1, 10**6)}"])
        fields = [f for f in fields if f[0] != "change_reason"] + [
            ["change_reason", "Load test edit"]
        ]
        with self.client.post(
            url,
            data=urlencode([tuple(field) for field in fields]),
            headers=self.headers(
                **{"Content-Type": "application/x-www-form-urlencoded", "Referer": url}
            ),
            name="/assessments/risks/[id]/edit/ (save)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            # 302: saved. 409: someone saved the same risk in between, and the form says so:
            # the optimistic lock working, not an error.
            if r.status_code in (302, 409):
                r.success()
            else:
                r.failure(f"save answered {r.status_code}: {r.text[:300]}")


class APIClient(FastHttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self):
        self.auth = {"Authorization": f"Token {random.choice(TOKENS)}"}
        # Writes as the first token's user (the governance lead): suppliers are theirs.
        self.write_auth = {"Authorization": f"Token {TOKENS[0]}"}

    def get(self, path, name):
        with self.client.get(path, headers=self.auth, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{path} answered {r.status_code}")
            return r

    @task(4)
    def api_lists(self):
        path = random.choice(
            [
                "/api/v1/registry/systems/",
                "/api/v1/registry/systems/?risk_tier=high",
                "/api/v1/assessments/risks/",
                "/api/v1/controls/soa-entries/",
                "/api/v1/registry/suppliers/",
            ]
        )
        self.get(path, name="API " + path.split("?")[0])

    @task(3)
    def api_detail(self):
        pk = random.choice(IDS["systems"])
        self.get(f"/api/v1/registry/systems/{pk}/", name="API /api/v1/registry/systems/[id]/")

    @task(1)
    def api_update_supplier(self):
        pk = random.choice(IDS["suppliers"])
        url = f"/api/v1/registry/suppliers/{pk}/"
        current = self.get(url, name="API /api/v1/registry/suppliers/[id]/")
        if current.status_code != 200:
            return
        body = {
            "version": current.json()["version"],
            "change_reason": "Load test API edit",
            "due_diligence_notes": f"Checked under load {random.randint(1, 10**6)}",
        }
        with self.client.patch(
            url,
            data=json.dumps(body),
            headers={**self.write_auth, "Content-Type": "application/json"},
            name="API PATCH /api/v1/registry/suppliers/[id]/",
            catch_response=True,
        ) as r:
            # 409: another client updated the supplier in between (optimistic locking).
            if r.status_code in (200, 409):
                r.success()
            else:
                r.failure(f"PATCH answered {r.status_code}: {r.text[:300]}")


def _percentile(times, fraction):
    """``times``: {rounded ms: count}, as locust keeps them."""
    total, seen = sum(times.values()), 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= fraction * total:
            return ms
    return 0


@events.quitting.add_listener
def _summary_without_logins(environment, **kwargs):
    """Figures for the steady browse-and-edit traffic: the 50 logins at start-up hash
    passwords on purpose (PBKDF2) and would otherwise dominate the tail of a 60 s run."""
    path = os.environ.get("LOAD_SUMMARY")
    if not path:
        return
    times, requests, failures = {}, 0, 0
    for (name, _method), entry in environment.stats.entries.items():
        if name.startswith("login"):
            continue
        requests += entry.num_requests
        failures += entry.num_failures
        for ms, count in entry.response_times.items():
            times[ms] = times.get(ms, 0) + count
    with open(path, "w") as out:
        json.dump(
            {
                "requests": requests,
                "failures": failures,
                "p50": _percentile(times, 0.5),
                "p95": _percentile(times, 0.95),
                # Exceptions raised in the tasks themselves (a bug in this file or a page
                # that cannot be parsed): counted with the errors.
                "exceptions": sum(e["occurrences"] for e in environment.runner.exceptions.values()),
            },
            out,
        )
