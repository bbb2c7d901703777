"""The access-control matrix: every URL the resolver knows, with who reads it, who writes
through it and which object of the world (tests/access_world.py) fills its kwargs.

Asked by tests/test_access_matrix.py (every case, for every user of the world) and by the
accessibility journey in tests/e2e/test_accessibility.py (every page a user may read). A new URL
cannot ship without its entry here: `test_every_url_is_in_the_matrix` names the ones missing.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tests.access_world import ACTOR_KEYS, World

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
    # Official documents (portal/documents.py): whoever reads the record downloads them; a
    # state that does not allow the document (yet) and an unknown kind are 404 to everyone.
    "portal:document": [
        *(
            Case(obj=obj, extra=(("kind", kind),), read=read, write=None, note=note)
            for obj, kind, read, note in (
                ("app_draft", "declaration", STAFF | only("ent_ak"), "a draft's declaration"),
                ("app_submitted", "declaration", STAFF | only("ent_xa"), ""),
                ("app_exp1", "declaration", STAFF | only("exp1"), "its expert reads it"),
                ("app_project", "approval", STAFF | only("ent_ak"), ""),
                ("app_submitted", "approval", NOBODY, "not approved"),
                ("app_project", "acceptance", NOBODY, "not accepted"),
                ("claim_submitted", "claim-decision", NOBODY, "not decided"),
                ("return_xa", "stat-return", STAFF | only("city_xa"), "submitted"),
                ("return_approved", "stat-return", STAFF | only("city_ak"), "approved"),
                ("return_ak", "stat-return", NOBODY, "a draft"),
                ("app_draft", "nope", NOBODY, "no such document"),
            )
        )
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
            state_first=True,
            note="accepted: the conflict-of-interest answer is given once (exp1 is told so)",
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
        # The claimant submits a draft from its page (the API's claim-submit does the same).
        *act("claim_draft", ("submit",), write=only("ent_ak"), sees=STAFF | only("ent_ak")),
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
            state_first=True,
            note="pending: not even its expert scores before accepting (exp2 is told so)",
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
