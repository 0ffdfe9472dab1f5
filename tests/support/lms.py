"""An LMS for the hub's LTI tests: an LTI 1.3 *platform* built on ``lti1p3platform`` (its OIDC
login, signed launch, access tokens, Names and Roles and Assignment and Grade services), served
by tornado on a loopback port in a thread. What is ours is only the storage the library leaves
abstract (registration, members, line items, scores) and the pages a person sees: the course's
page with the tool's link, and the gradebook.

Tests steer it: ``lms.as_user`` (who is logged in to the LMS), ``lms.tamper`` (a function applied
to the next launch's claims before they are signed: a wrong audience, ...), ``lms.down`` (the
grade services answer 503), and read ``lms.score_posts`` (every score the tool posted).
"""

from __future__ import annotations

import asyncio
import html
import json
import socket
import threading
import typing as t
from dataclasses import dataclass, field

import tornado.web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
CLIENT_ID, DEPLOYMENT_ID, CONTEXT = "convlab-tool", "deployment-1", "course-101"


def pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


@dataclass
class Person:
    user_id: str
    name: str
    email: str
    roles: list[str]


@dataclass
class Store:
    """What the LMS keeps: its people, its line items, the scores it was sent."""

    people: dict[str, Person] = field(default_factory=dict)
    lineitems: dict[str, dict] = field(default_factory=dict)  # id -> line item
    results: dict[tuple[str, str], dict] = field(default_factory=dict)  # (line item, user) -> score
    score_posts: list[tuple[str, str, dict]] = field(default_factory=list)


class TornadoRequest(Request):
    def build_metadata(self, request: tornado.web.RequestHandler):
        r = request.request
        body = r.body or b""
        form = {k: v[0].decode() for k, v in r.body_arguments.items()}
        query = {k: v[0].decode() for k, v in r.query_arguments.items()}
        is_json = "json" in r.headers.get("Content-Type", "")
        return {
            "method": r.method,
            "form_data": form,
            "get_data": query,
            "headers": r.headers,
            "content_type": r.headers.get("Content-Type"),
            "path": r.path,
            "json": json.loads(body) if is_json and body else None,
        }


class LMS:
    def __init__(self):
        self.private, self.public = pem_pair()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = Store()
        self.tool_url = ""
        self.tool_jwks: dict = {}
        self.as_user = ""
        self.tamper: t.Callable[[dict], dict] | None = None
        self.expiration = 300
        self.down = False
        self.target = ""  # the launch's target link (a path on the hub), for the next launch

    # -- what the administrator entered for the tool ------------------------------------------
    def platform_file(self) -> dict:
        return {
            "issuer": self.url,
            "client_id": CLIENT_ID,
            "deployment_id": DEPLOYMENT_ID,
            "authorize_url": f"{self.url}/authorize",
            "jwks_url": f"{self.url}/jwks",
            "token_url": f"{self.url}/token",
            "memberships_url": f"{self.url}/nrps",
            "lineitems_url": f"{self.url}/lineitems",
        }

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.url)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(f"{self.tool_url}/hub/lti13/oauth_login")
            .set_launch_url(f"{self.tool_url}{self.target or '/hub'}")
            .set_platform_public_key(self.public)
            .set_platform_private_key(self.private)
            .set_tool_key_set(self.tool_jwks)
        )

    def enroll(self, user_id: str, name: str, email: str, teaching: bool = False) -> None:
        self.store.people[user_id] = Person(user_id, name, email, [INSTRUCTOR if teaching else LEARNER])

    # -- serving -------------------------------------------------------------------------------
    def __enter__(self) -> LMS:
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(asyncio.new_event_loop())
            self.loop = asyncio.get_event_loop()
            self.server = self.app().listen(self.port, address="127.0.0.1")
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def app(self) -> tornado.web.Application:
        lms = self
        return tornado.web.Application(
            [
                (r"/course", CoursePage, {"lms": lms}),
                (r"/launch", LaunchStart, {"lms": lms}),
                (r"/authorize", Authorize, {"lms": lms}),
                (r"/jwks", Keys, {"lms": lms}),
                (r"/token", Token, {"lms": lms}),
                (r"/nrps", Members, {"lms": lms}),
                (r"/lineitems", LineItems, {"lms": lms}),
                (r"/lineitems/([^/]+)", LineItemOne, {"lms": lms}),
                (r"/lineitems/([^/]+)/scores", Scores, {"lms": lms}),
                (r"/lineitems/([^/]+)/results", Results, {"lms": lms}),
                (r"/gradebook", Gradebook, {"lms": lms}),
            ]
        )

    def config(self) -> Conf:
        return Conf(lms=self)

    def score_posts(self) -> list[tuple[str, str, dict]]:
        return list(self.store.score_posts)


class Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.lms: LMS = kwargs["lms"]

    def get_registration_by_params(self, **kwargs) -> Registration:
        return self.lms.registration()


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["resource_link_id"]

    def get_redirect(self, url: str):
        self._request.redirect(url)


class Launch(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self):
        r = self._request.request
        args = r.query_arguments if r.method == "GET" else r.body_arguments
        return {k: v[0].decode() for k, v in args.items()}

    def get_launch_data(self):
        message, state = super().get_launch_data()
        lms: LMS = self._platform_config.lms
        if lms.tamper is not None:
            message = lms.tamper(dict(message))
        return message, state

    def render_launch_form(self, launch_data, **kwargs):
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
            for k, v in launch_data.items()
            if k != "launch_url"
        )
        self._request.finish(
            "<!DOCTYPE html><html><body><p>Launching...</p>"
            f'<form id="lti-launch" method="post" action="{html.escape(launch_data["launch_url"])}">'
            f"{inputs}</form><script>document.getElementById('lti-launch').submit()</script>"
            "</body></html>"
        )


class Handler(tornado.web.RequestHandler):
    def initialize(self, lms: LMS):
        self.lms = lms

    def check_xsrf_cookie(self):
        pass

    def reply(self, response) -> None:
        self.set_status(response.code)
        if response.result is not None:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(response.result))
        else:
            self.finish(json.dumps({"message": response.message}))


class CoursePage(Handler):
    """The course's page in the LMS, with the tool's link (``?as=USER`` logs in to the LMS)."""

    def get(self):
        user = self.get_argument("as", "")
        self.set_cookie("lms_user", user)
        person = self.lms.store.people[user]
        self.finish(
            f"<!DOCTYPE html><html><body><h1>Course 101</h1><p>Logged in as {html.escape(person.name)}</p>"
            '<a id="convlab-link" href="/launch">Convolution lab</a></body></html>'
        )


class LaunchStart(Handler):
    def get(self):
        user = self.get_cookie("lms_user") or self.lms.as_user
        login = Login(self, self.lms.config())
        login.set_lti_message_hint(resource_link_id="convlab-link")
        login.initiate_login(user)


class Authorize(Handler):
    """The platform's OIDC authorization endpoint: validates the tool's request, signs the launch."""

    def handle(self):
        args = {k: v[0].decode() for k, v in self.request.arguments.items()}
        person = self.lms.store.people[args["login_hint"]]
        launch = Launch(self, self.lms.config())
        launch.set_user_data(person.user_id, person.roles, person.name, person.email)
        launch.set_resource_link_claim("convlab-link", title="Convolution lab")
        launch.set_launch_context_claim(CONTEXT, context_label="CS101", context_title="Course 101")
        launch.set_ags(f"{self.lms.url}/lineitems", allow_creating_lineitems=True)
        launch.set_nrps(f"{self.lms.url}/nrps")
        launch.set_id_token_expiration(self.lms.expiration)
        launch.lti_launch()

    get = post = handle


class Keys(Handler):
    def get(self):
        conf = self.lms.config()
        conf.get_registration()
        self.finish(json.dumps(conf.get_jwks()))


class Token(Handler):
    def post(self):
        conf = self.lms.config()
        conf.get_registration()
        form = {k: v[0].decode() for k, v in self.request.body_arguments.items()}
        try:
            token = conf.get_access_token(form)
        except Exception as err:
            self.set_status(400)
            return self.finish(json.dumps({"error": "invalid_client", "detail": str(err)}))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(token))


class MembersService(NamesRoleProvisioningService):
    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **kwargs):
        lms: LMS = self.platform_config.lms
        members = [
            {"user_id": p.user_id, "name": p.name, "email": p.email, "roles": p.roles, "status": "Active"}
            for p in lms.store.people.values()
        ]
        return {"content": members, "has_next": False, "next": None}

    def get_context_by_id(self):
        from lti1p3platform.membership import Context

        return Context(id=CONTEXT, label="CS101", title="Course 101")


class GradesService(AssignmentsGradesService):
    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None,
                       resource_id=None, tag=None, **kwargs):  # fmt: skip
        store: Store = self.platform_config.lms.store
        items = [
            i
            for i in store.lineitems.values()
            if (resource_id is None or i.get("resourceId") == resource_id)
            and (tag is None or i.get("tag") == tag)
        ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        from lti1p3platform.exceptions import LineItemNotFoundException

        store: Store = self.platform_config.lms.store
        if line_item_id not in store.lineitems:
            raise LineItemNotFoundException()
        return store.lineitems[line_item_id]

    def create_lineitem(self, creation_data):
        lms: LMS = self.platform_config.lms
        key = str(len(lms.store.lineitems) + 1)
        item = {**creation_data, "id": f"{lms.url}/lineitems/{key}"}
        lms.store.lineitems[key] = item
        return item

    def update_lineitem(self, update_data):
        raise NotImplementedError

    def delete_lineitem(self, line_item_id):
        raise NotImplementedError

    def update_score(self, line_item_id, score):
        from lti1p3platform.score import UpdateScoreStatus

        store: Store = self.platform_config.lms.store
        self.find_lineitem(line_item_id)
        store.score_posts.append((line_item_id, score["userId"], score))
        store.results[(line_item_id, score["userId"])] = score
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None, **kwargs):
        store: Store = self.platform_config.lms.store
        self.find_lineitem(line_item_id)
        results = [
            {"userId": user, "resultScore": s["scoreGiven"], "resultMaximum": s["scoreMaximum"]}
            for (item, user), s in store.results.items()
            if item == line_item_id and (user_id is None or user == user_id)
        ]
        return {"content": results, "has_next": False, "next": None}


class Service(Handler):
    def service(self):
        conf = self.lms.config()
        conf.get_registration()
        return GradesService(TornadoRequest(self), conf, f"{self.lms.url}/lineitems")

    def prepare(self):
        if self.lms.down:
            self.set_status(503)
            self.finish(json.dumps({"message": "the LMS is down"}))


class Members(Service):
    def get(self):
        conf = self.lms.config()
        conf.get_registration()
        nrps = MembersService(TornadoRequest(self), conf, f"{self.lms.url}/nrps")
        self.reply(nrps.handle_resp(nrps.handle_get_members))


class LineItems(Service):
    def get(self):
        s = self.service()
        response = s.handle_resp(s.handle_get_lineitems)
        if response.code == 200:  # AGS: the container is a JSON array
            response.result = response.result["content"]
        self.reply(response)

    def post(self):
        s = self.service()
        self.reply(s.handle_resp(s.handle_create_lineitem))


class LineItemOne(Service):
    def get(self, key):
        s = self.service()
        self.reply(s.handle_resp(s.handle_get_lineitem, line_item_id=key))


class Scores(Service):
    def post(self, key):
        s = self.service()
        self.reply(s.handle_resp(s.handle_update_score, line_item_id=key))


class Results(Service):
    def get(self, key):
        s = self.service()
        response = s.handle_resp(s.handle_get_results, line_item_id=key)
        if response.code == 200:
            response.result = response.result["content"]
        self.reply(response)


class Gradebook(Handler):
    """The LMS's gradebook page: a row per person, a column per line item."""

    def get(self):
        store = self.lms.store
        items = sorted(store.lineitems.items())
        head = "".join(f"<th>{html.escape(i.get('label', ''))}</th>" for _, i in items)
        rows = []
        for p in store.people.values():
            cells = []
            for _, i in items:
                s = store.results.get((i["id"].rsplit("/", 1)[-1], p.user_id))
                cells.append(f"<td>{s['scoreGiven']:g}</td>" if s else "<td></td>")
            user, name = html.escape(p.user_id), html.escape(p.name)
            rows.append(f"<tr data-user='{user}'><td>{name}</td>{''.join(cells)}</tr>")
        due = "".join(
            f"<li>{html.escape(i.get('label', ''))}: due {html.escape(str(i.get('endDateTime', '')))}</li>"
            for _, i in items
        )
        self.finish(
            f"<!DOCTYPE html><html><body><h1>Gradebook</h1><table id='gradebook'><tr><th>Name</th>{head}</tr>"
            f"{''.join(rows)}</table><ul id='due'>{due}</ul></body></html>"
        )
