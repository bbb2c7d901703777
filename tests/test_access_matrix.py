"""Access-control matrix: every page and API endpoint, asked by two users of every role.

GB/T 22239-2019 level 3, 8.1.4.2 访问控制 (access control): access is granted by role and by
object, and a user reaches only what the policy gives them. This module proves it for the whole
URL space:

* `MATRIX` maps every URL name the resolver knows (pages, the DRF router's list, detail and
  @action routes, the API root, schema and docs, /admin/) to its expectations: which users read
  it, which may write through it, and which object of the world (tests/access_world.py) fills its
  kwargs. `test_every_url_is_in_the_matrix` fails naming any URL the table does not cover (and
  any entry naming a URL that no longer exists), so a new URL cannot ship without deciding who
  may reach it. `EXCLUDED` lists the few left out, each with its reason.
* `test_access` runs each case for every user of the world (two per role, in different
  organisations and cities; an account without a role; an anonymous visitor; for a URL without
  an object, one reviewer, leader and administrator of each kind, see SECOND_OF_A_KIND):
  - a read (GET) answers 200 to its readers and 403 or 404 to everyone else; a visitor is sent
    to the login page (pages) or refused with 401/403 (API). A URL that only takes POST answers
    405 before asking who is there, so a few users stand for all;
  - a write (POST on a page; each of POST, PUT, PATCH, DELETE the API route maps) is refused
    with 403, 404 or 405 to everyone who may not write, whether or not they may see the object.
    It carries a well-formed payload where the case names one (`PROBES`), so that it reaches the
    service's own check rather than stopping at a form's. Two documented exceptions for users
    who may see the object: a page that answers their POST as a GET (`ignores_post`, 200), and a
    transition the workflow refuses for the object's state before it asks who is there
    (`state_first`, a redirect with the message). Either way nothing changed: every row of the
    portal's organisations, users and notifications and of the URL's app is compared before and
    after the refused writes;
  - then one user who may write is asked too, and must not be refused (403/404/405): the case
    proves it checks something rather than refusing everybody;
  - API lists (`listed`) show the object to exactly the users in `lists`.
* A few tests below ask about objects named in a payload rather than in the URL.

The world is built once per module inside a transaction rolled back at the end; each test runs in
its own savepoint, so a write that got through cannot leak into the next test.
"""

import copy
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.celery import app as celery_app
from tests.access_world import ACTOR_KEYS, World, build

# Who --------------------------------------------------------------------------------------------

ANON = "anon"
ENT = frozenset({"ent_ak", "ent_xa"})  # applicants of enterprises
UNI = frozenset({"uni_xa", "uni_ak"})  # applicants of universities (patent pools)
APPLICANTS = ENT | UNI
REV = frozenset({"rev1", "rev2"})
EXP = frozenset({"exp1", "exp2"})
CITY = frozenset({"city_ak", "city_xa"})
LEAD = frozenset({"lead1", "lead2"})
SYS = frozenset({"sys1", "sys2"})
SEC = frozenset({"sec1", "sec2"})
AUD = frozenset({"aud1", "aud2"})
STAFF = REV | LEAD  # the bureau and leaders read every organisation's declarations
USERS = frozenset(ACTOR_KEYS)  # everyone logged in, an account without a role included
WITH_ROLE = USERS - {"norole"}  # the API asks for a role (portal.api)
NOBODY: frozenset[str] = frozenset()
SUBMITTED = STAFF | frozenset({"ent_xa"})  # who sees the application ent_xa submitted
SUBMITTED_CLAIM = SUBMITTED  # … and its claim
# Whoever may read an organisation: the bureau, leaders, system and security administrators.
ORG_READERS = REV | LEAD | SYS | SEC


# Without an object, the permission module answers a reviewer, a leader or an administrator by
# role alone: the second of each is asked about objects only. (Applicants differ by their
# organisation's kind, experts by their assignments, cities by their region: both are asked.)
SECOND_OF_A_KIND = frozenset({"rev2", "lead2", "sys2", "sec2", "aud2"})


def only(*keys: str) -> frozenset[str]:
    return frozenset(keys)


@dataclass(frozen=True)
class Case:
    """One URL with one object: who reads it, who writes through it.

    write=None: the URL changes nothing (a page that answers a POST as a GET, a download), so a
    reader's POST may get 200 and everybody else is refused as for a read.
    """

    obj: str | None = None
    read: frozenset[str] = NOBODY
    write: frozenset[str] | None = NOBODY
    extra: tuple[tuple[str, str], ...] = ()  # kwargs besides the object's, e.g. the action
    query: str = ""
    post_only: bool = False  # GET answers 405 to everyone (require_POST)
    special: tuple[tuple[str, int], ...] = ()  # actor → status, for GET and POST alike
    ignores_post: frozenset[str] = NOBODY  # readers whose POST the page renders as a GET
    write_data: tuple[tuple[str, str], ...] = ()  # for the one allowed write …
    writer: str | None = None  # … by this user (default: the first who may write)
    listed: str | None = None  # API list: the object whose presence is checked …
    lists: frozenset[str] = NOBODY  # … and who sees it listed
    sees: frozenset[str] | None = None  # who may see the object elsewhere; default: `read`
    one_reader: bool = False  # the same answer for every reader: one of them stands for all
    probe: str | None = None  # PROBES: a well-formed payload, so the write reaches the service
    state_first: bool = False  # the service names a wrong state before asking who is there
    note: str = ""

    @property
    def seen_by(self) -> frozenset[str]:
        return self.read if self.sees is None else self.sees


def act(obj: str, actions: tuple[str, ...], **case: Any) -> list[Case]:
    """One case per action slug of a URL like applications/<pk>/act/<action>/."""
    return [
        Case(obj=obj, extra=(("action", action),), post_only=True, **case) for action in actions
    ]


def everyone_but(allowed: frozenset[str], status: int) -> tuple[tuple[str, int], ...]:
    return tuple((key, status) for key in sorted((USERS | {ANON}) - allowed))


def _score(world: World) -> dict:
    criteria = world.objects["app_exp1"].spec["criteria"]
    return {"points": {c["code"]: "1" for c in criteria}, "comment": "评分"}


# Well-formed payloads: an empty one is refused by a form or serializer before the service asks
# who is writing, which proves nothing about the user. Files are (name, bytes).
PROBES: dict[str, Any] = {
    "reason": lambda w: {"reason": "理由"},
    "score": _score,
    "progress_report": lambda w: {
        "application": w.objects["app_project"].pk,
        "kind": "progress",
        "narrative": "进展",
        "actuals": {"transfers_in": "1"},
    },
    "push": lambda w: {"organisations": [w.users["ent_ak"].organisation_id], "note": ""},
    "screen": lambda w: {"tier": "A", "industry": "04"},
    "conversion": lambda w: {
        "patent": w.objects["patent_xa"].pk,
        "kind": "transfer",
        "counterparty_name": "某公司",
        "starts_on": "2025-01-01",
    },
    "end": lambda w: {"ended_on": "2025-06-30"},
    "need": lambda w: {
        "title": "负极材料",
        "description": "提高电池负极比容量",
        "industry": "04",
        "cooperation": "licence",
    },
    "feedback": lambda w: {"rating": 4},
    "evidence": lambda w: {"label": "认定文件", "file": ("认定文件.pdf", w.files["pdf"])},
    "claim_amount": lambda w: {"amount": "200000", "reason": ""},
    "payment": lambda w: {"paid_on": "2025-07-01", "amount": "1", "voucher": "V1"},
    "values": lambda w: {"values": [{"code": w.files["element"], "value": "1", "comment": ""}]},
    "workbook": lambda w: {"file": ("return.xlsx", w.files["workbook"]), "dry_run": "true"},
    "workbook_page": lambda w: {"file": ("return.xlsx", w.files["workbook"])},
    "approve_page": lambda w: {"amount": "30", "reason": ""},
}

# The call form's six category rows (a POST without them is a tampered form).
LOT_FORMS = (("lot-TOTAL_FORMS", "6"), ("lot-INITIAL_FORMS", "6"))

# The matrix -------------------------------------------------------------------------------------
# Keyed by URL name ("namespace:name"; the DRF router's "basename-action"). Each value is the
# list of cases asked; objects are world keys (tests/access_world.py).

MATRIX: dict[str, list[Case]] = {
    # Portal: public pages, the account, organisations, users and roles, audit, inbox
    "portal:login": [
        Case(
            read=only(ANON),
            write=None,
            ignores_post=only(ANON),
            special=tuple((key, 302) for key in sorted(USERS)),
            note="public; a logged-in user is sent home",
        )
    ],
    "portal:logout": [
        Case(
            post_only=True,
            write=USERS,
            note="POST only (Django 5); it ends the caller's own session and nothing else",
        )
    ],
    "portal:register": [
        Case(
            read=only(ANON),
            write=only(ANON),
            special=tuple((key, 302) for key in sorted(USERS)),
            note="public self-registration of an organisation (pending until the bureau "
            "verifies it); a logged-in user is sent home",
        )
    ],
    "portal:password_change": [Case(read=USERS, write=USERS, note="one's own password")],
    "portal:password_change_done": [Case(read=USERS, write=None)],
    "portal:home": [Case(read=USERS, write=None)],
    "portal:my_organisation": [Case(read=APPLICANTS, write=None)],
    "portal:organisation_list": [Case(read=ORG_READERS | CITY, write=None)],
    "portal:organisation_detail": [
        Case(obj="org_ent_ak", read=ORG_READERS | only("ent_ak", "city_ak"), write=None),
        Case(obj="org_ent_xa", read=ORG_READERS | only("ent_xa", "city_xa"), write=None),
    ],
    "portal:organisation_edit": [
        Case(obj="org_ent_ak", read=REV | only("ent_ak"), write=REV | only("ent_ak")),
        Case(obj="org_uni_xa", read=REV | only("uni_xa"), write=REV | only("uni_xa")),
    ],
    "portal:organisation_verify": [
        Case(obj="org_pending", post_only=True, write=REV, sees=ORG_READERS | only("city_xa"))
    ],
    "portal:organisation_reject": [
        Case(
            obj="org_pending",
            post_only=True,
            write=REV,
            sees=ORG_READERS | only("city_xa"),
            probe="reason",
        )
    ],
    "portal:qualification_add": [
        Case(
            obj="org_ent_ak",
            post_only=True,
            write=REV,
            sees=ORG_READERS | only("ent_ak", "city_ak"),
        )
    ],
    "portal:user_list": [Case(read=SYS | SEC, write=None)],
    "portal:user_create": [Case(read=SYS, write=SYS)],
    "portal:user_edit": [
        Case(
            obj="user_ent_ak",
            read=SYS | SEC,
            write=SYS | SEC,
            writer="sys1",
            write_data=(("action", "details"),),
            note="system admins edit details, security admins roles (portal/permissions.py)",
        )
    ],
    "portal:otp_account": [Case(read=USERS, write=USERS, note="one's own second factor")],
    "portal:otp_enrol": [Case(read=USERS, write=USERS, note="one's own authenticator app")],
    "portal:otp_verify": [
        Case(
            write=None,
            special=tuple((key, 302) for key in sorted(USERS)),
            note="the code after the password; a user without an authenticator is sent to enrol",
        )
    ],
    "portal:otp_reset": [
        Case(
            obj="user_ent_ak",
            post_only=True,
            write=SEC,
            sees=SYS | SEC,
            note="a security admin resets another user's authenticators",
        )
    ],
    "portal:lockout_list": [Case(read=SEC, write=None, note="locked accounts and addresses")],
    "portal:lockout_release": [Case(post_only=True, write=SEC)],
    "portal:region_list": [Case(read=REV | LEAD | SYS | CITY, write=None)],
    "portal:audit_list": [Case(read=AUD, write=None, note="the audit log: audit admins only")],
    "portal:inbox": [Case(read=USERS, write=None, note="one's own notifications")],
    "portal:inbox_mark_read": [
        Case(post_only=True, write=USERS, note="one's own notifications; see below")
    ],
    "healthz": [
        Case(
            read=USERS | {ANON},
            write=None,
            note="public health check for the load balancer: status only, no data",
        )
    ],
    # Projects
    "projects:application_list": [Case(read=APPLICANTS | STAFF, write=None)],
    "projects:category_list": [Case(read=APPLICANTS | STAFF | EXP, write=None)],
    "projects:category_detail": [Case(obj="category", read=APPLICANTS | STAFF | EXP, write=None)],
    "projects:category_edit": [Case(obj="category", read=REV, write=REV)],
    "projects:call_list": [Case(read=APPLICANTS | STAFF, write=None)],
    "projects:call_create": [Case(read=REV, write=REV, write_data=LOT_FORMS)],
    "projects:call_detail": [Case(obj="call", read=APPLICANTS | STAFF, write=None)],
    "projects:call_edit": [Case(obj="call", read=REV, write=REV, write_data=LOT_FORMS)],
    "projects:application_start": [Case(obj="lot", read=APPLICANTS, write=APPLICANTS)],
    "projects:application_detail": [
        Case(obj="app_draft", read=STAFF | only("ent_ak"), write=None),
        Case(obj="app_submitted", read=STAFF | only("ent_xa"), write=None),
        Case(obj="app_project", read=STAFF | only("ent_ak"), write=None),
        Case(obj="app_exp1", read=STAFF | only("exp1"), write=None),
        Case(
            obj="app_exp2",
            read=STAFF,
            write=None,
            note="exp2 has not declared it has no conflict of interest yet",
        ),
    ],
    "projects:application_edit": [
        Case(obj="app_draft", read=only("ent_ak"), write=only("ent_ak")),
        Case(obj="app_submitted", note="submitted: nobody edits it, its applicant included"),
    ],
    "projects:application_print": [
        Case(obj="app_draft", read=STAFF | only("ent_ak"), write=None),
        Case(obj="app_submitted", read=STAFF | only("ent_xa"), write=None),
        Case(obj="app_exp1", read=STAFF | only("exp1"), write=None),
        Case(obj="app_exp2", read=STAFF, write=None),
    ],
    "projects:attachment_upload": [
        Case(obj="app_draft", post_only=True, write=only("ent_ak"), sees=STAFF | only("ent_ak")),
        Case(obj="app_submitted", post_only=True, sees=STAFF | only("ent_xa")),
    ],
    "projects:attachment_download": [
        Case(obj="att_draft", read=STAFF | only("ent_ak"), write=None)
    ],
    "projects:attachment_delete": [
        Case(obj="att_draft", post_only=True, write=only("ent_ak"), sees=STAFF | only("ent_ak"))
    ],
    "projects:application_act": [
        *act("app_draft", ("submit",), write=only("ent_ak"), sees=STAFF | only("ent_ak")),
        *act("app_submitted", ("submit",), sees=SUBMITTED, state_first=True),
        *act(
            "app_submitted", ("pass", "return", "reject"), write=REV, sees=SUBMITTED, probe="reason"
        ),
        # Approval and the acceptance verdict come later in the life cycle: the workflow says
        # so before it asks who is there (projects/workflow.py apply), and nothing changes.
        *act(
            "app_submitted",
            ("approve",),
            write=REV,
            sees=SUBMITTED,
            probe="approve_page",
            state_first=True,
        ),
        *act("app_submitted", ("verdict",), write=REV, sees=SUBMITTED, state_first=True),
        *act(
            "app_draft",
            ("pass", "approve"),
            write=REV,
            sees=STAFF | only("ent_ak"),
            state_first=True,
        ),
    ],
    "projects:application_assign": [Case(obj="app_submitted", read=REV, write=REV)],
    "projects:progress_report": [
        Case(obj="app_project", read=only("ent_ak"), write=only("ent_ak"))
    ],
    "projects:acceptance_request": [
        Case(obj="app_project", read=only("ent_ak"), write=only("ent_ak"))
    ],
    "projects:assignment_list": [Case(read=EXP, write=None)],
    "projects:assignment_detail": [
        Case(obj="asg_exp1", read=STAFF | only("exp1"), write=only("exp1"), ignores_post=STAFF),
        Case(
            obj="asg_exp2",
            read=STAFF | only("exp2"),
            ignores_post=STAFF | only("exp2"),
            note="pending: exp2 reads who applies, scores nothing before accepting",
        ),
    ],
    "projects:assignment_respond": [
        Case(
            obj="asg_exp1",
            post_only=True,
            sees=STAFF | only("exp1"),
            note="accepted: the conflict-of-interest answer is given once",
        ),
        Case(obj="asg_exp2", post_only=True, write=only("exp2"), sees=STAFF | only("exp2")),
    ],
    "projects:score_reopen": [
        Case(obj="asg_exp1", post_only=True, write=REV, sees=STAFF | only("exp1"))
    ],
    "projects:ranking": [Case(read=STAFF, write=None)],
    "projects:ranking_export": [Case(obj="lot", read=STAFF, write=None)],
    "projects:overdue_list": [Case(read=REV, write=None)],
    # Patents
    "patents:pool": [Case(read=STAFF | UNI, write=None)],
    "patents:template": [Case(read=UNI, write=None)],
    "patents:import": [Case(read=UNI, write=UNI)],
    "patents:import_apply": [
        Case(obj="patent_import", post_only=True, write=only("uni_xa"), sees=only("uni_xa"))
    ],
    "patents:screen": [
        Case(obj="patent_xa", read=only("uni_xa"), write=only("uni_xa")),
        Case(obj="patent_ak", read=only("uni_ak"), write=only("uni_ak")),
    ],
    "patents:need_list": [Case(read=ENT | STAFF, write=None)],
    "patents:need_new": [Case(read=ENT, write=ENT)],
    "patents:need_detail": [Case(obj="need", read=STAFF | only("ent_ak"), write=None)],
    "patents:feedback": [
        Case(obj="match", post_only=True, write=only("ent_ak"), sees=STAFF | only("ent_ak"))
    ],
    "patents:patent_detail": [
        Case(
            obj="patent_xa",
            read=STAFF | only("uni_xa", "ent_ak"),
            write=None,
            note="ent_ak reads it: it was suggested for its need",
        ),
        Case(obj="patent_ak", read=STAFF | only("uni_ak"), write=None),
    ],
    "patents:conversion_new": [Case(obj="patent_xa", read=only("uni_xa"), write=only("uni_xa"))],
    "patents:push": [
        Case(obj="patent_xa", post_only=True, write=REV, sees=STAFF | only("uni_xa", "ent_ak"))
    ],
    "patents:conversions": [Case(read=STAFF | UNI | ENT, write=None)],
    "patents:conversion_end": [
        Case(
            obj="conversion",
            post_only=True,
            write=only("uni_xa"),
            sees=STAFF | only("uni_xa", "ent_xa"),
        )
    ],
    "patents:open_licences": [Case(read=STAFF | UNI | ENT, write=None)],
    "patents:statistics": [Case(read=STAFF, write=None)],
    "patents:export": [Case(read=STAFF | UNI, write=None, note="each reads its own pool")],
    # Incentives
    "incentives:policy_list": [Case(read=APPLICANTS | STAFF, write=None)],
    "incentives:policy_create": [Case(read=REV, write=REV)],
    "incentives:policy_detail": [Case(obj="policy", read=APPLICANTS | STAFF, write=None)],
    "incentives:policy_edit": [Case(obj="policy", read=REV, write=REV)],
    "incentives:claim_create": [Case(obj="policy", read=APPLICANTS, write=APPLICANTS)],
    "incentives:claim_list": [Case(read=APPLICANTS | STAFF, write=None)],
    "incentives:claim_detail": [
        Case(obj="claim_draft", read=STAFF | only("ent_ak"), write=None),
        Case(obj="claim_submitted", read=STAFF | only("ent_xa"), write=None),
    ],
    "incentives:claim_edit": [
        Case(obj="claim_draft", read=only("ent_ak"), write=only("ent_ak")),
        Case(
            obj="claim_submitted",
            special=(("ent_xa", 302),),
            note="submitted: its applicant is sent to the claim's page, nobody edits it",
        ),
    ],
    "incentives:claim_act": [
        *act(
            "claim_submitted",
            ("approve", "return", "reject", "pay"),
            write=REV,
            sees=STAFF | only("ent_xa"),
        ),
        *act("claim_draft", ("approve", "pay"), write=REV, sees=STAFF | only("ent_ak")),
    ],
    "incentives:claim_file_download": [
        Case(obj="claim_file", read=STAFF | only("ent_ak"), write=None)
    ],
    "incentives:budget_list": [Case(read=STAFF, write=REV)],
    "incentives:spending": [Case(read=STAFF, write=None)],
    "incentives:spending_export": [Case(read=STAFF, write=None)],
    # Exchange
    "exchange:index": [
        Case(read=STAFF | UNI, write=None, note="a university exports its own registration batch")
    ],
    "exchange:mapping_new": [Case(read=REV, write=REV)],
    "exchange:mapping_edit": [Case(obj="mapping_import", read=REV, write=REV)],
    "exchange:import": [Case(obj="mapping_import", read=REV, write=REV)],
    "exchange:export": [
        Case(obj="mapping_batch", query="fmt=xlsx", read=REV | UNI, write=None),
        Case(obj="mapping_records", query="fmt=xlsx", read=REV, write=None),
    ],
    "exchange:run_list": [Case(read=STAFF, write=None)],
    "exchange:run_apply": [Case(obj="run", post_only=True, write=REV, sees=STAFF)],
    "exchange:run_file": [Case(obj="run", read=REV, write=None)],
    # Reporting
    "reporting:return_list": [Case(read=STAFF | CITY, write=None)],
    "reporting:return_open": [Case(post_only=True, write=CITY)],
    "reporting:return_detail": [
        Case(obj="return_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="return_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "reporting:return_template": [
        Case(obj="return_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="return_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "reporting:return_export": [
        Case(obj="return_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="return_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "reporting:return_history": [
        Case(obj="return_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="return_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "reporting:return_upload": [
        Case(
            obj="return_ak",
            post_only=True,
            write=only("city_ak"),
            sees=STAFF | only("city_ak"),
            probe="workbook_page",
        ),
        Case(
            obj="return_xa",
            post_only=True,
            sees=STAFF | only("city_xa"),
            probe="workbook_page",
            state_first=True,
            note="submitted: nobody uploads to it (the service says so first)",
        ),
    ],
    "reporting:return_edit": [
        Case(obj="return_ak", read=only("city_ak"), write=only("city_ak")),
        Case(obj="return_xa", note="submitted: nobody edits it"),
    ],
    "reporting:return_action": [
        *act("return_ak", ("submit",), write=only("city_ak"), sees=STAFF | only("city_ak")),
        *act("return_xa", ("approve", "send_back"), write=REV, sees=STAFF | only("city_xa")),
        *act(
            "return_approved",
            ("correct",),
            write=REV | only("city_ak"),
            sees=STAFF | only("city_ak"),
        ),
        *act("return_ak", ("approve",), sees=STAFF | only("city_ak"), state_first=True),
    ],
    "reporting:upload_apply": [
        Case(obj="upload_ak", post_only=True, write=only("city_ak"), sees=STAFF | only("city_ak"))
    ],
    "reporting:upload_download": [Case(obj="upload_ak", read=STAFF | only("city_ak"), write=None)],
    "reporting:completeness": [Case(read=STAFF | CITY, write=None)],
    "reporting:dashboard": [Case(read=STAFF | CITY, write=None)],
    "reporting:dashboard_region": [
        Case(obj="region_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="region_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "reporting:dashboard_export": [
        Case(obj="region_ak", post_only=True, write=STAFF | only("city_ak")),
        Case(obj="region_xa", post_only=True, write=STAFF | only("city_xa")),
    ],
    "reporting:export_detail": [
        Case(obj="export_job", read=only("city_ak"), write=None, note="the requester's alone")
    ],
    "reporting:export_download": [Case(obj="export_job", read=only("city_ak"), write=None)],
    "reporting:target_list": [Case(read=STAFF | CITY, write=None)],
    "reporting:target_new": [Case(read=STAFF, write=STAFF)],
    "reporting:target_edit": [Case(obj="target_ak", read=STAFF, write=STAFF)],
    "reporting:setup": [Case(read=STAFF | CITY, write=None)],
    "reporting:element_new": [Case(read=REV, write=REV)],
    "reporting:element_edit": [Case(obj="element", read=REV, write=REV)],
    "reporting:rule_new": [Case(read=REV, write=REV)],
    "reporting:rule_edit": [Case(obj="rule", read=REV, write=REV)],
    # API v1: the root, schema and docs
    "api-root": [Case(read=USERS, write=None)],
    "api-schema": [
        Case(
            read=USERS,
            write=None,
            one_reader=True,
            note="the API's description, for logged-in users; the same for all of them (and a "
            "second to generate), so one reader stands for all",
        )
    ],
    "api-docs": [Case(read=USERS, write=None, one_reader=True)],
    # API: portal
    "region-list": [Case(read=USERS, write=None, note="GB/T 2260 codes: public")],
    "region-detail": [Case(obj="region_ak", read=USERS, write=None)],
    "organisation-list": [
        Case(
            read=WITH_ROLE,
            write=None,
            listed="org_ent_ak",
            lists=ORG_READERS | only("ent_ak", "city_ak"),
        )
    ],
    "organisation-detail": [
        Case(obj="org_ent_ak", read=ORG_READERS | only("ent_ak", "city_ak"), write=None),
        Case(obj="org_uni_xa", read=ORG_READERS | only("uni_xa", "city_xa"), write=None),
    ],
    # API: projects
    "category-list": [Case(read=APPLICANTS | STAFF | EXP, write=None)],
    "category-detail": [Case(obj="category", read=APPLICANTS | STAFF | EXP, write=None)],
    "call-list": [Case(read=APPLICANTS | STAFF, write=None)],
    "call-detail": [Case(obj="call", read=APPLICANTS | STAFF, write=None)],
    "application-list": [
        Case(
            read=APPLICANTS | STAFF,
            write=APPLICANTS,
            listed="app_draft",
            lists=STAFF | only("ent_ak"),
        )
    ],
    "application-detail": [
        Case(obj="app_draft", read=STAFF | only("ent_ak"), write=only("ent_ak")),
        Case(obj="app_submitted", read=STAFF | only("ent_xa")),
        Case(obj="app_exp1", read=STAFF | only("exp1")),
        Case(obj="app_exp2", read=STAFF),
    ],
    "application-check": [Case(obj="app_draft", read=only("ent_ak"), write=None)],
    "application-submit": [
        Case(obj="app_draft", write=only("ent_ak"), sees=STAFF | only("ent_ak"))
    ],
    "application-pass": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-return": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-reject": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-assign": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-proposed-experts": [Case(obj="app_submitted", read=REV, write=None)],
    "application-approve": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-decide": [Case(obj="app_submitted", write=REV, sees=SUBMITTED)],
    "application-verdict": [Case(obj="app_project", write=REV, sees=STAFF | only("ent_ak"))],
    "review-list": [
        Case(read=WITH_ROLE, write=None, listed="asg_exp1", lists=STAFF | only("exp1")),
    ],
    "review-detail": [
        Case(obj="asg_exp1", read=STAFF | only("exp1"), write=None),
        Case(obj="asg_exp2", read=STAFF | only("exp2"), write=None),
    ],
    "review-accept": [Case(obj="asg_exp2", write=only("exp2"), sees=STAFF | only("exp2"))],
    "review-decline": [
        Case(obj="asg_exp2", write=only("exp2"), sees=STAFF | only("exp2"), probe="reason")
    ],
    "review-score": [
        Case(obj="asg_exp1", write=only("exp1"), sees=STAFF | only("exp1"), probe="score"),
        Case(
            obj="asg_exp2",
            probe="score",
            sees=STAFF | only("exp2"),
            note="pending: not even its expert scores before accepting",
        ),
    ],
    "project-list": [
        Case(read=APPLICANTS | STAFF, write=None, listed="app_project", lists=STAFF | {"ent_ak"})
    ],
    "project-detail": [Case(obj="app_project", read=STAFF | only("ent_ak"), write=None)],
    "progress-report-list": [
        Case(
            read=APPLICANTS | STAFF,
            write=APPLICANTS,
            probe="progress_report",
            listed="report",
            lists=STAFF | only("ent_ak"),
        )
    ],
    "progress-report-detail": [Case(obj="report", read=STAFF | only("ent_ak"), write=None)],
    # API: patents
    "patent-list": [
        Case(read=STAFF | UNI, write=None, listed="patent_xa", lists=STAFF | only("uni_xa"))
    ],
    "patent-detail": [
        Case(obj="patent_xa", read=STAFF | only("uni_xa"), write=None),
        Case(obj="patent_ak", read=STAFF | only("uni_ak"), write=None),
    ],
    "patent-push": [Case(obj="patent_xa", write=REV, sees=STAFF | only("uni_xa"), probe="push")],
    "patent-screen": [
        Case(obj="patent_xa", write=only("uni_xa"), sees=STAFF | only("uni_xa"), probe="screen")
    ],
    "patent-import-list": [Case(write=UNI)],
    "conversion-list": [
        Case(
            read=STAFF | UNI | ENT,
            write=UNI,
            probe="conversion",
            writer="uni_xa",
            listed="conversion",
            lists=STAFF | only("uni_xa", "ent_xa"),
        )
    ],
    "conversion-detail": [
        Case(obj="conversion", read=STAFF | only("uni_xa", "ent_xa"), write=None)
    ],
    "conversion-end": [
        Case(
            obj="conversion",
            write=only("uni_xa"),
            sees=STAFF | only("uni_xa", "ent_xa"),
            probe="end",
        )
    ],
    "open-licence-list": [Case(read=STAFF | UNI | ENT, write=None)],
    "need-list": [
        Case(
            read=STAFF | ENT, write=ENT, listed="need", lists=STAFF | only("ent_ak"), probe="need"
        ),
    ],
    "need-detail": [Case(obj="need", read=STAFF | only("ent_ak"), write=None)],
    "need-matches": [Case(obj="need", read=STAFF | only("ent_ak"), write=None)],
    "match-list": [
        Case(read=STAFF | ENT, write=None, listed="match", lists=STAFF | only("ent_ak")),
    ],
    "match-detail": [Case(obj="match", read=STAFF | only("ent_ak"), write=None)],
    "match-feedback": [
        Case(obj="match", write=only("ent_ak"), sees=STAFF | only("ent_ak"), probe="feedback")
    ],
    # API: incentives
    "policy-list": [Case(read=APPLICANTS | STAFF, write=None)],
    "policy-detail": [Case(obj="policy", read=APPLICANTS | STAFF, write=None)],
    "policy-versions": [Case(obj="policy", read=APPLICANTS | STAFF, write=None)],
    "eligibility-list": [Case(read=APPLICANTS, write=None)],
    "claim-list": [
        Case(
            read=APPLICANTS | STAFF,
            write=APPLICANTS,
            listed="claim_draft",
            lists=STAFF | only("ent_ak"),
        )
    ],
    "claim-detail": [
        Case(obj="claim_draft", read=STAFF | only("ent_ak"), write=only("ent_ak")),
        Case(obj="claim_submitted", read=STAFF | only("ent_xa")),
    ],
    "claim-entitlement": [Case(obj="claim_draft", read=STAFF | only("ent_ak"), write=None)],
    "claim-files": [
        Case(obj="claim_draft", write=only("ent_ak"), sees=STAFF | only("ent_ak"), probe="evidence")
    ],
    "claim-submit": [Case(obj="claim_draft", write=only("ent_ak"), sees=STAFF | only("ent_ak"))],
    "claim-approve": [
        Case(obj="claim_submitted", write=REV, sees=SUBMITTED_CLAIM, probe="claim_amount")
    ],
    "claim-return": [Case(obj="claim_submitted", write=REV, sees=SUBMITTED_CLAIM, probe="reason")],
    "claim-reject": [Case(obj="claim_submitted", write=REV, sees=SUBMITTED_CLAIM, probe="reason")],
    "claim-pay": [Case(obj="claim_submitted", write=REV, sees=SUBMITTED_CLAIM, probe="payment")],
    "budget-list": [Case(read=STAFF, write=REV)],
    "budget-detail": [Case(obj="budget", read=STAFF, write=REV)],
    # API: reporting
    "data-element-list": [Case(read=STAFF | CITY, write=REV)],
    "data-element-detail": [Case(obj="element_code", read=STAFF | CITY, write=REV)],
    "return-form-list": [Case(read=STAFF | CITY, write=None)],
    "return-form-detail": [Case(obj="return_form", read=STAFF | CITY, write=None)],
    "stat-return-list": [
        Case(
            read=STAFF | CITY,
            write=CITY,
            listed="return_ak",
            lists=STAFF | only("city_ak"),
        )
    ],
    "stat-return-detail": [
        Case(obj="return_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="return_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "stat-return-values": [
        Case(obj="return_ak", write=only("city_ak"), sees=STAFF | only("city_ak"), probe="values")
    ],
    "stat-return-upload": [
        Case(obj="return_ak", write=only("city_ak"), sees=STAFF | only("city_ak"), probe="workbook")
    ],
    "stat-return-submit": [
        Case(obj="return_ak", write=only("city_ak"), sees=STAFF | only("city_ak"))
    ],
    "stat-return-approve": [Case(obj="return_xa", write=REV, sees=STAFF | only("city_xa"))],
    "stat-return-send-back": [Case(obj="return_xa", write=REV, sees=STAFF | only("city_xa"))],
    "stat-return-correct": [
        Case(obj="return_approved", write=REV | only("city_ak"), sees=STAFF | only("city_ak"))
    ],
    "data-value-list": [
        Case(read=STAFF | CITY, write=None, listed="value_ak", lists=STAFF | only("city_ak"))
    ],
    "data-value-detail": [
        Case(obj="value_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="value_xa", read=STAFF | only("city_xa"), write=None),
    ],
    "indicator-list": [Case(read=STAFF | CITY, write=None)],
    "indicator-detail": [Case(obj="indicator", read=STAFF | CITY, write=None)],
    "target-list": [
        Case(
            read=STAFF | CITY,
            write=STAFF,
            note="every region's: targets are published policy figures (DOMAIN.md §5)",
        )
    ],
    "target-detail": [Case(obj="target_ak", read=STAFF | CITY, write=STAFF)],
    "progress-list": [
        Case(read=STAFF | CITY, write=None, listed="progress_ak", lists=STAFF | only("city_ak"))
    ],
    "progress-detail": [
        Case(obj="progress_ak", read=STAFF | only("city_ak"), write=None),
        Case(obj="progress_xa", read=STAFF | only("city_xa"), write=None),
    ],
    # Django's admin site: staff accounts only. Production has no superuser and no staff account
    # (part A's superuser check refuses to deploy one); every portal role is refused.
    "admin:index": [
        Case(
            read=only("superuser"),
            write=None,
            special=everyone_but(only("superuser"), 302),
            note="non-staff users and visitors are sent to the admin login",
        )
    ],
}

# URLs left out of the matrix, with the reason.
EXCLUDED = {
    "set_language": "Django's language switcher: sets a cookie, reads and writes no data",
}
# Django's admin internals (everything under /admin/ but its index) are left out too: the admin
# asks for is_staff before anything, which no portal role holds (see the test below).


# The URL space ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    callback: Any

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def reads(self) -> bool:
        actions = getattr(self.callback, "actions", None)
        return actions is None or "get" in actions

    @property
    def write_methods(self) -> tuple[str, ...]:
        actions = getattr(self.callback, "actions", None)
        if actions is None:
            return ("post",)
        return tuple(m for m in ("post", "put", "patch", "delete") if m in actions)

    @property
    def takes_json(self) -> bool:
        view = getattr(self.callback, "cls", None)
        if view is None:
            return False
        parsers = self.callback.initkwargs.get("parser_classes") or view.parser_classes
        return any(parser.media_type == "application/json" for parser in parsers)


def _walk(resolver: URLResolver, prefix: str = "", namespace: tuple[str, ...] = ()):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = ":".join((*namespace, pattern.name)) if pattern.name else route
            yield Route(name=name, route=route, callback=pattern.callback)


def routes() -> dict[str, Route]:
    """Every URL by name; a DRF format-suffix variant (…\\.json) shares its route's name and
    view, so the first pattern of each name stands for it."""
    found: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        found.setdefault(route.name, route)
    return found


def _is_admin_internal(route: Route) -> bool:
    return route.route.startswith("admin/") and route.name != "admin:index"


def test_every_url_is_in_the_matrix():
    names = {name for name, route in routes().items() if not _is_admin_internal(route)}
    missing = sorted(names - MATRIX.keys() - EXCLUDED.keys())
    assert not missing, (
        "URLs without access expectations: add them to MATRIX in tests/test_access_matrix.py "
        f"(who reads, who writes, which object): {', '.join(missing)}"
    )
    stale = sorted((MATRIX.keys() | EXCLUDED.keys()) - names)
    assert not stale, f"MATRIX names URLs that do not exist: {', '.join(stale)}"


def test_admin_internals_send_portal_users_to_the_admin_login(world, clients):
    """Everything under /admin/ is Django's admin, which asks for is_staff before anything: a
    portal user of any role, or a visitor, lands on the admin's login page."""
    names = ["admin:index", "admin:portal_user_changelist", "admin:portal_auditentry_changelist"]
    for key in (ANON, *ACTOR_KEYS):
        for name in names:
            response = clients[key].get(reverse(name))
            assert response.status_code == 302, (key, name)
            assert response["Location"].startswith(reverse("admin:login")), (key, name)
    assert clients["superuser"].get(reverse("admin:portal_user_changelist")).status_code == 200


# The world and its users ------------------------------------------------------------------------


def _lean_refusal_pages() -> list[dict]:
    """The templates, with the 403 and 404 pages reduced to their status: a third of this
    module's thousands of requests are refusals, and only their status is asked about here (the
    error pages are tested with portal/errors.py)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    engine = templates[0]
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.cached.Loader",
            [
                ("django.template.loaders.locmem.Loader", {"403.html": "403", "404.html": "404"}),
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        )
    ]
    return templates


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory):
    # Rate limits (portal/ratelimits.py, tested there) would answer 429 to the many logins and
    # exports this module makes from one address in a minute, hiding the answers asked about.
    # The world is built before conftest's per-test settings apply: its fast hasher, too.
    with override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        RATELIMIT_ENABLE=False,
        TEMPLATES=_lean_refusal_pages(),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_settings) -> World:
    """Built once, in a transaction rolled back after the module's last test."""
    # Module fixtures come before conftest's per-test in-process Celery: without this, the
    # export the world requests would go to the real broker (PostgreSQL pass) and never run.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        finally:
            celery_app.conf.task_always_eager = eager
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def cookies(world, django_db_blocker) -> dict[str, SimpleCookie]:
    """A session per user, made once (inside the world's transaction)."""
    jar = {}
    with django_db_blocker.unblock():
        for key, user in world.users.items():
            client = Client()
            client.force_login(user)
            jar[key] = client.cookies
    return jar


@pytest.fixture
def clients(db, world, cookies) -> dict[str, Client]:
    made = {ANON: Client()}
    for key in world.users:
        client = Client()
        client.cookies.load({name: morsel.value for name, morsel in cookies[key].items()})
        made[key] = client
    return made


# What the database holds: every row of the apps' models, and the people -------------------------

APPS = ("projects", "patents", "incentives", "reporting", "exchange")
PORTAL_MODELS = ("Organisation", "Qualification", "User", "Notification")


def _app_of(route: Route) -> str:
    """The app whose data a URL writes: its namespace, or its API view's module."""
    if ":" in route.name:
        return route.name.split(":", 1)[0]
    view = getattr(route.callback, "cls", None)
    return view.__module__.split(".", 1)[0] if view is not None else "portal"


def snapshot(route: Route) -> dict[str, list[dict]]:
    """Every row of the portal's people and organisations and of the URL's app (of every app
    for the exchange, which writes into the others)."""
    app = _app_of(route)
    labels = APPS if app == "exchange" else [label for label in APPS if label == app]
    models = [apps.get_model("portal", name) for name in PORTAL_MODELS]
    for label in labels:
        models += list(apps.get_app_config(label).get_models())
    rows = {}
    for model in models:
        values = list(model.objects.order_by("pk").values())
        for row in values:
            row.pop("last_login", None)  # force_login touches it
        rows[model._meta.label] = values
    return rows


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# The test ---------------------------------------------------------------------------------------

CASES = [
    pytest.param(
        name, case, id=f"{name}[{index}:{case.obj or '-'}{''.join(v for _k, v in case.extra)}]"
    )
    for name, cases in MATRIX.items()
    for index, case in enumerate(cases)
]
DENIED = {403, 404}
LOGIN = "/login/"


def _url(world: World, route: Route, case: Case) -> str:
    kwargs = dict(world.kwargs[case.obj]) if case.obj else {}
    kwargs.update(case.extra)
    url = reverse(route.name, kwargs=kwargs)
    return f"{url}?{case.query}" if case.query else url


def _send(client: Client, route: Route, url: str, method: str, data: dict):
    if method == "get":
        return client.get(url)
    has_files = any(isinstance(value, tuple) for value in data.values())
    if route.is_api and not has_files and (route.takes_json or method != "post"):
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    if method == "post":
        files = {
            key: SimpleUploadedFile(*value) if isinstance(value, tuple) else value
            for key, value in data.items()
        }
        return client.post(url, files)
    return getattr(client, method)(url)


def _describe(key: str, method: str, response) -> str:
    where = response.get("Location", "")
    return f"{key} {method.upper()} → {response.status_code} {where}".strip()


def _anonymous_refusal(route: Route, response) -> bool:
    if route.is_api:
        return response.status_code in {401, 403}
    if response.status_code == 302:
        return response["Location"].startswith(LOGIN)
    return response.status_code == 405


def _lists(response, identity: dict[str, Any]) -> bool:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return any(all(row.get(k) == v for k, v in identity.items()) for row in rows)


@pytest.mark.parametrize(("name", "case"), CASES)
def test_access(name, case, world, clients):
    route = routes()[name]
    url = _url(world, route, case)
    special = dict(case.special)
    writers = case.write or NOBODY
    asked = set(ACTOR_KEYS) if case.obj else set(ACTOR_KEYS) - SECOND_OF_A_KIND
    actors = sorted((asked | {ANON} | case.read | writers) & clients.keys())
    wrong: list[str] = []
    probe = PROBES[case.probe](world) if case.probe else {}

    readers = actors
    if case.one_reader:
        readers = [key for key in actors if key not in case.read] + sorted(case.read)[:1]
    if case.post_only or not route.reads:
        # GET is refused before anyone's rights are asked: a visitor, an account without a
        # role and a user who may write stand for everybody.
        readers = sorted({ANON, "norole", *sorted(writers - {ANON})[:1]})
    for key in readers:
        response = _send(clients[key], route, url, "get", {})
        if not _read_as_expected(route, case, key, response, world, wrong):
            wrong.append(_describe(key, "get", response))

    # A reader's POST to a URL that writes nothing is a read, with a read's side effects (an
    # export is logged): asked before the database is photographed, of one reader for all (the
    # page has no other path for a POST).
    as_reads = {key for key in actors if case.write is None and key in case.read}
    as_reads = set(sorted(as_reads - {ANON})[:1] or sorted(as_reads)[:1])
    refused = [
        key
        for key in actors
        if key not in writers and (key in as_reads or not (case.write is None and key in case.read))
    ]
    before = None
    for key in sorted(refused, key=lambda k: k not in as_reads):
        if before is None and key not in as_reads:
            before = snapshot(route)
        for method in route.write_methods:
            response = _send(clients[key], route, url, method, probe)
            if not _refused_as_expected(route, case, key, response):
                wrong.append(_describe(key, method, response))
    before = before or snapshot(route)
    after = snapshot(route)
    assert not wrong, f"{name} {url}: " + "; ".join(wrong)
    assert not changed(before, after), (
        f"{name} {url}: refused writes changed {changed(before, after)}"
    )

    # The positive side of writing: a user who may write is not refused.
    allowed = sorted(writers - {ANON} - set(special))
    if allowed and route.write_methods:
        key, method = case.writer or allowed[0], route.write_methods[0]
        response = _send(clients[key], route, url, method, dict(case.write_data) or probe)
        assert response.status_code not in {401, 403, 404, 405}, (
            f"{name} {url}: {_describe(key, method, response)} (may write)"
        )


def _refused_as_expected(route: Route, case: Case, key: str, response) -> bool:
    status = response.status_code
    special = dict(case.special)
    if key in special:
        return status == special[key]
    if key == ANON and key not in case.seen_by:
        return _anonymous_refusal(route, response)
    if key not in case.seen_by:
        return status in DENIED | {405}
    if case.write is None or key in case.ignores_post:
        return status in {200, 302, 405}
    if case.state_first and status == 302:
        return True  # "not in this state": a message, nothing changed (asserted below)
    return status in DENIED | {405}


def _read_as_expected(route, case, key, response, world, wrong) -> bool:
    status = response.status_code
    special = dict(case.special)
    if key in special:
        return status == special[key]
    if key == ANON and key not in case.read:
        return _anonymous_refusal(route, response)
    if case.post_only or not route.reads:
        # Nothing to read here; the API asks the permission module first, then says 405.
        return status == 405 or (route.is_api and status in DENIED)
    if key not in case.read:
        return status in DENIED
    if status != 200:
        return False
    if case.listed:
        listed = _lists(response, world.identity(case.listed))
        if listed != (key in case.lists):
            wrong.append(f"{key} lists {case.listed}: {listed}, expected {not listed}")
    return True


# Objects named in the payload rather than the URL --------------------------------------------


def test_marking_read_touches_only_ones_own_notifications(world, clients):
    note = world.objects["notification_ent_xa"]
    response = clients["ent_ak"].post(reverse("portal:inbox_mark_read"), {"id": [note.pk]})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
    clients["ent_xa"].post(reverse("portal:inbox_mark_read"), {"id": [note.pk]})
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_conversion_is_not_recorded_on_another_pools_patent(world, clients):
    from patents.models import Conversion

    before = Conversion.objects.count()
    payload = {
        "patent": world.objects["patent_xa"].pk,
        "kind": "transfer",
        "counterparty_name": "某公司",
        "starts_on": "2025-01-01",
    }
    response = clients["uni_ak"].post(
        "/api/v1/conversions/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 404
    assert Conversion.objects.count() == before


def test_a_progress_report_is_not_filed_for_another_organisations_project(world, clients):
    from projects.models import ProgressReport

    before = ProgressReport.objects.count()
    payload = {
        "application": world.objects["app_project"].pk,
        "kind": "progress",
        "narrative": "冒名填报",
        "actuals": {"transfers_in": "1"},
    }
    response = clients["ent_xa"].post(
        "/api/v1/progress-reports/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400 and "application" in response.json()["errors"]
    assert ProgressReport.objects.count() == before


def test_a_city_does_not_open_a_return_for_another_city(world, clients):
    from reporting.models import ReturnForm, StatReturn

    before = StatReturn.objects.count()
    payload = {"form": "QUARTERLY", "region": "610900", "period": "2025Q3"}
    response = clients["city_xa"].post(
        "/api/v1/returns/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 403
    form = ReturnForm.objects.get(code="QUARTERLY")
    page = clients["city_xa"].post(
        reverse("reporting:return_open"),
        {"form": form.pk, "region": world.objects["region_ak"].pk, "period": "2025Q3"},
    )
    assert page.status_code == 302
    assert StatReturn.objects.count() == before


@pytest.mark.parametrize(
    ("actor", "target", "data"),
    [
        ("sec1", "sec1", {"action": "role", "role": "audit_admin"}),  # one's own role
        ("sys1", "ent_ak", {"action": "role", "role": "reviewer"}),  # roles are security's
        ("sec1", "ent_ak", {"action": "details", "email": "x@example.invalid"}),  # … details not
        ("sys1", "sys1", {"action": "details", "email": "x@example.invalid"}),  # nor one's own
    ],
)
def test_the_three_administrators_stay_apart(world, clients, actor, target, data):
    """三员分立: the system admin manages accounts, the security admin roles, neither on their
    own account (portal/permissions.py: user.manage, role.assign)."""
    user = world.users[target]
    before = (user.role, user.email)
    response = clients[actor].post(reverse("portal:user_edit", args=[user.pk]), data)
    assert response.status_code == 403
    user.refresh_from_db()
    assert (user.role, user.email) == before


def test_a_security_admin_does_not_reset_their_own_second_factor(world, clients):
    own = world.users["sec1"]
    response = clients["sec1"].post(reverse("portal:otp_reset", args=[own.pk]))
    assert response.status_code == 403
