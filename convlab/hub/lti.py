"""The class in its LMS over LTI 1.3: a link in Canvas or Moodle logs a student or an instructor
into the hub, as their own account of the course (``make hub HUB_ARGS="--lti platform.json"``).

The platform's file names the LMS as its administrator registered the tool (see the README's
*The class in its LMS*)::

    {"issuer": "https://canvas.instructure.com", "client_id": "10000000000042",
     "deployment_id": "7:8865aa05b4b79b64a91a86042e43af5ea8ae79eb",
     "authorize_url": ".../api/lti/authorize_redirect", "jwks_url": ".../api/lti/security/jwks",
     "token_url": ".../login/oauth2/token",
     "memberships_url": "(the course's Names and Roles service, optional)",
     "lineitems_url": "(the course's line items, optional)"}

A launch is JupyterHub's login: ``jupyterhub-ltiauthenticator`` does the OIDC login initiation
and checks the ``id_token``'s signature against the platform's JWKS, its issuer, audience
(``azp`` too), expiry, age, LTI version, message type and required claims, and the state and
nonce cookies of the browser that began the login. :class:`Launch` adds what it does not check:
the deployment id, a nonce used before (a replayed launch, refused even with the cookies of the
browser that made it: nonces are kept in ``state/lti-nonces.sqlite`` until their token expires),
a resource-link launch only, and the person: the token's ``sub`` must be a member of the
course's roster (``lms_id``), and their account and role are the roster's. The roster comes from
the LMS's Names and Roles service (:func:`roster_from_lms`), checked like a CSV roster. Anything
else gets a page saying why the launch was refused and a line in the hub's log, never a login.

The tool's own key pair (:func:`tool_key`) signs its requests to the LMS's services (the roster,
the grades: :mod:`convlab.hub.passback`); its public half is published at ``/hub/lti13/jwks``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from convlab.grading.roster import Member, RosterError
from convlab.grading.tables import write_csv

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
# the course roles (LIS vocabulary, context roles and their short forms) that make an instructor
TEACHING = ("Instructor", "Administrator", "ContentDeveloper", "TeachingAssistant", "Mentor")
REQUIRED = ("issuer", "client_id", "deployment_id", "authorize_url", "jwks_url", "token_url")
KEY_FILE, JWKS_FILE = "lti-tool-key.pem", "lti-tool-jwks.json"


class PlatformError(SystemExit):
    """The platform's file cannot be used; the message says why."""


@dataclass(frozen=True)
class Platform:
    """The LMS as it registered the tool (the platform's file)."""

    issuer: str
    client_id: str
    deployment_id: str
    authorize_url: str
    jwks_url: str
    token_url: str
    memberships_url: str = ""
    lineitems_url: str = ""

    @classmethod
    def read(cls, path: Path) -> Platform:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as err:
            raise PlatformError(f"{path}: not a platform's JSON file ({err})") from None
        if not isinstance(data, dict):
            raise PlatformError(f"{path}: a JSON object is expected")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise PlatformError(f"{path}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
        missing = [k for k in REQUIRED if not isinstance(data.get(k), str) or not data[k].strip()]
        if missing:
            raise PlatformError(f"{path}: missing {', '.join(missing)}")
        return cls(**{k: str(v).strip() for k, v in data.items()})


def is_teaching(roles: list[str]) -> bool:
    """Whether LTI ``roles`` (URIs such as ``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor``,
    or short names) hold a teaching role in the course."""
    return any(str(r).rsplit("#", 1)[-1].rsplit("/", 1)[-1] in TEACHING for r in roles or [])


# ---- the tool's keys -------------------------------------------------------------------------


def tool_key(state: Path) -> tuple[str, dict]:
    """The tool's RSA private key (PEM) and its public JWKS, made once in ``state`` (root only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_path, jwks_path = state / KEY_FILE, state / JWKS_FILE
    if not key_path.is_file():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        partial = key_path.with_suffix(".partial")
        partial.write_bytes(pem)
        partial.chmod(0o600)
        partial.replace(key_path)
    pem = key_path.read_bytes()
    public = serialization.load_pem_private_key(pem, password=None).public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "e": b64(public.e), "n": b64(public.n)}
    # RFC 7638's thumbprint: the same key always has the same kid
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    jwk["kid"] = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    jwks = {"keys": [jwk]}
    jwks_path.write_text(json.dumps(jwks, indent=1))
    jwks_path.chmod(0o644)
    return pem.decode(), jwks


def keys(state: Path) -> dict:
    """The tool's keys in ``state`` (made the first time): its public JWKS, which the LMS's
    administrator may paste instead of giving the keyset URL."""
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    return tool_key(state)[1]


def connector(platform: Platform, state: Path):
    """pylti1p3's service connector: OAuth 2 client credentials signed with the tool's key."""
    from pylti1p3.registration import Registration
    from pylti1p3.service_connector import ServiceConnector

    pem, jwks = tool_key(state)
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_token_url(platform.token_url)
        .set_tool_private_key(pem)
    )
    registration.get_kid = lambda: jwks["keys"][0]["kid"]  # the kid the JWKS publishes
    return ServiceConnector(registration)


# ---- the roster from the LMS (Names and Role Provisioning Services) --------------------------


def services(state: Path, platform: Platform) -> dict[str, str]:
    """The course's service URLs: the platform's file's, else those the last launch carried."""
    seen = state / "lti-services.json"
    found = json.loads(seen.read_text()) if seen.is_file() else {}
    return {
        "memberships_url": platform.memberships_url or found.get("memberships_url", ""),
        "lineitems_url": platform.lineitems_url or found.get("lineitems_url", ""),
    }


def account_name(member: dict) -> str:
    """The course account of an LMS member: their email's local part, in lower case, with ``.``
    and ``+`` as ``_`` (``ada.lovelace@`` is ``ada_lovelace``); then checked as a CSV roster's
    ids are (:func:`convlab.hub.accounts.check`): two members with one account name stop it."""
    email = str(member.get("email") or "")
    return re.sub(r"[.+]", "_", email.split("@", 1)[0].strip().lower()) if "@" in email else ""


def members_of(lms_members: list[dict]) -> list[Member]:
    """The active members of the LMS's membership, as the roster's members."""
    members = []
    for m in lms_members:
        if str(m.get("status", "Active")).lower() != "active":
            continue
        role = "instructor" if is_teaching(m.get("roles", [])) else "student"
        members.append(
            Member(
                id=account_name(m) or f"(no email: {m.get('user_id')!r})",
                name=str(m.get("name") or ""),
                email=str(m.get("email") or ""),
                lms_id=str(m.get("user_id") or ""),
                sis_id=str(m.get("lis_person_sourcedid") or ""),
                role=role,
            )
        )
    return members


def write_roster(path: Path, members: list[Member]) -> Path:
    """The roster CSV ``make hub`` reads, with every column it knows."""
    columns = ["id", "name", "email", "lms_id", "sis_id", "role"]
    write_csv(path, columns, [[getattr(m, c) for c in columns] for m in members])
    return path


def roster_from_lms(platform: Platform, state: Path, path: Path) -> Path:
    """Fetch the course's membership from the LMS and write it as a roster at ``path``."""
    from pylti1p3.exception import LtiServiceException
    from pylti1p3.names_roles import NamesRolesProvisioningService

    url = services(state, platform)["memberships_url"]
    if not url:
        raise RosterError(
            "the LMS's roster: no Names and Roles URL yet (memberships_url in the platform's file, "
            "or launch the tool once from the course)"
        )
    nrps = NamesRolesProvisioningService(connector(platform, state), {"context_memberships_url": url})
    try:
        lms_members = nrps.get_members()
    except (LtiServiceException, OSError) as err:
        raise RosterError(f"the LMS's roster could not be fetched from {url}: {err}") from None
    return write_roster(path, members_of(lms_members))


def prepare(platform_file: Path, state: Path, say=print) -> tuple[Platform, Path]:
    """Before the hub starts (``make hub --lti``): the platform's file read, the tool's keys
    made, and the LMS's membership written as the roster (``state/lms-roster.csv``)."""
    import os

    platform = Platform.read(platform_file)
    if os.geteuid() != 0:
        raise SystemExit("make hub must run as root: it creates an account per person on the roster")
    keys(state)
    roster = roster_from_lms(platform, state, state / "lms-roster.csv")
    say(f"the roster from the LMS: {roster}")
    return platform, roster


# ---- the launch ------------------------------------------------------------------------------


class Nonces:
    """Every nonce a launch used, until its token expires: a second use is a replay."""

    def __init__(self, path: Path):
        self.path = path
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS nonce (value TEXT PRIMARY KEY, expires REAL)")

    def _db(self):
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def use(self, nonce: str, expires: float) -> bool:
        """Note ``nonce`` used; False when it was used before."""
        with self._db() as db:
            db.execute("DELETE FROM nonce WHERE expires < ?", (time.time() - 3600,))
            try:
                db.execute("INSERT INTO nonce VALUES (?, ?)", (nonce, expires))
            except sqlite3.IntegrityError:
                return False
        return True


REFUSED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Launch refused</title>
<style>body {{ font-family: sans-serif; margin: 2em; max-width: 46em; }}</style></head>
<body><h1>This launch from your course was refused</h1>
<p id="lti-refusal">{reason}</p>
<p>Nobody was logged in. Launch the tool again from your course's page; if it happens again,
tell your instructor, who finds this launch in the hub's log.</p></body></html>
"""


def refusal_page(reason: str) -> str:
    return REFUSED_PAGE.format(reason=html.escape(reason))


def refuse(handler, reason: str) -> None:
    """Answer ``handler``'s request with the refusal page, and say so in the hub's log."""
    handler.log.warning("LTI launch refused from %s: %s", handler.request.remote_ip, reason)
    handler.set_status(403)
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.finish(refusal_page(reason))


def _handlers():
    """The authenticator and its handlers (JupyterHub imports them: not at convlab's import)."""
    from jupyterhub.handlers import BaseHandler
    from ltiauthenticator.lti13.auth import LTI13Authenticator
    from ltiauthenticator.lti13.error import LoginError, ValidationError
    from ltiauthenticator.lti13.handlers import (
        NONCE_STATE_COOKIE_NAME,
        STATE_COOKIE_NAME,
        LTI13CallbackHandler,
        LTI13LoginInitHandler,
    )
    from tornado.web import HTTPError
    from traitlets import Dict, Unicode

    class Refused(Exception):
        pass

    class LoginInit(LTI13LoginInitHandler):
        """The library's login initiation; over HTTPS its state and nonce cookies are
        ``SameSite=None``, so the LMS's cross-site form post brings them back (a browser sends
        no ``Lax`` cookie, its default, with a POST from another site)."""

        def cookie(self, key: str, value: str) -> None:
            across = self.authenticator.get_uri_scheme(self.request) == "https"
            extra = {"samesite": "None", "secure": True} if across else {}
            self._set_cookie(key, value, expires_days=1, httponly=True, encrypted=True, **extra)

        def set_state_cookie(self, state):
            self.cookie(STATE_COOKIE_NAME, state)

        def set_nonce_state_cookie(self, nonce_state):
            self.cookie(NONCE_STATE_COOKIE_NAME, nonce_state)

        def post(self):
            try:
                return super().post()
            except HTTPError as err:  # not a login initiation (an argument missing)
                return refuse(self, err.log_message or str(err))

        get = post

    class Launch(LTI13CallbackHandler):
        """The library's launch with the deployment id, a nonce used once, a resource link
        launch and a member of the roster; every refusal a page and a log line."""

        async def post(self):
            try:
                token = self.decode_and_validate_launch_request()
                user = await self.login_user(token)
                if user is None:
                    raise Refused("you are not a member of this course on the hub")
            except (HTTPError, ValidationError, LoginError, Refused) as err:
                return refuse(self, getattr(err, "log_message", None) or str(err))
            except Exception as err:  # a token no check foresaw (a claim missing): refused all the same
                return refuse(self, f"the launch could not be checked ({type(err).__name__}: {err})")
            await self.redirect_to_next_url(user)

        def decode_and_validate_launch_request(self):
            token = super().decode_and_validate_launch_request()
            auth = self.authenticator
            if token.get(CLAIM + "deployment_id") != auth.deployment_id:
                raise Refused(f"unknown deployment id {token.get(CLAIM + 'deployment_id')!r}")
            if token.get(CLAIM + "message_type") != "LtiResourceLinkRequest":
                raise Refused(f"not a course link's launch ({token.get(CLAIM + 'message_type')!r})")
            if not isinstance(token.get("exp"), int | float):
                raise Refused("the launch has no expiry")
            if not auth.nonces.use(str(token.get("nonce")), float(token["exp"])):
                raise Refused("this launch was used before (a replayed launch)")
            auth.remember_services(token)
            return token

    class JWKS(BaseHandler):
        """The tool's public key, for the LMS (``/hub/lti13/jwks``)."""

        def get(self):
            self.set_header("Content-Type", "application/json")
            self.finish(Path(self.authenticator.jwks_file).read_text())

    class CourseLTIAuthenticator(LTI13Authenticator):
        """LTI 1.3 login to the course's accounts: ``sub`` -> the roster member with that ``lms_id``."""

        login_handler = LoginInit
        callback_handler = Launch
        deployment_id = Unicode(config=True, help="the deployment id the LMS gave the tool")
        state_dir = Unicode(config=True, help="the hub's state folder (nonces, the tool's JWKS)")
        accounts = Dict(config=True, help="lms_id -> the course account")
        teaching = Dict(config=True, help="account -> True for the roster's instructors")

        @property
        def nonces(self) -> Nonces:
            if not hasattr(self, "_nonces"):
                self._nonces = Nonces(Path(self.state_dir) / "lti-nonces.sqlite")
            return self._nonces

        @property
        def jwks_file(self) -> str:
            return str(Path(self.state_dir) / JWKS_FILE)

        def get_handlers(self, app):
            return [*super().get_handlers(app), ("/lti13/jwks", JWKS)]

        def remember_services(self, token: dict) -> None:
            """The course's Names and Roles and line items URLs, as the signed launch carries them."""
            found = {
                "memberships_url": (token.get(NRPS_CLAIM) or {}).get("context_memberships_url", ""),
                "lineitems_url": (token.get(AGS_CLAIM) or {}).get("lineitems", ""),
            }
            found = {k: v for k, v in found.items() if isinstance(v, str) and v}
            path = Path(self.state_dir) / "lti-services.json"
            known = json.loads(path.read_text()) if path.is_file() else {}
            if found and {**known, **found} != known:
                partial = path.with_suffix(".partial")
                partial.write_text(json.dumps({**known, **found}, indent=1))
                partial.replace(path)

        def get_username(self, token):
            sub = str(token.get("sub") or "")
            name = self.accounts.get(sub)
            if not name:
                raise Refused(f"the LMS's user {sub!r} is not on the hub's roster (the instructor syncs it)")
            if is_teaching(token.get(CLAIM + "roles", [])) and not self.teaching.get(name):
                self.log.warning(
                    "LTI launch: %s has a teaching role in the LMS, a student's on the hub", name
                )
            return name

    return CourseLTIAuthenticator


def configure(c, settings: dict) -> None:
    """JupyterHub's configuration for LTI launches (jupyterhub_config.py calls it)."""
    lti = settings["lti"]
    c.JupyterHub.authenticator_class = _handlers()
    c.LTI13Authenticator.issuer = lti["issuer"]
    c.LTI13Authenticator.client_id = {lti["client_id"]}
    c.LTI13Authenticator.authorize_url = lti["authorize_url"]
    c.LTI13Authenticator.jwks_endpoint = lti["jwks_url"]
    c.LTI13Authenticator.uri_scheme = lti.get("uri_scheme", "auto")
    c.LTI13Authenticator.tool_name = "convlab"
    c.LTI13Authenticator.tool_description = "Convolution, one sliding window at a time"
    c.CourseLTIAuthenticator.deployment_id = lti["deployment_id"]
    c.CourseLTIAuthenticator.state_dir = str(Path(settings["root"]) / "state")
    c.CourseLTIAuthenticator.accounts = dict(lti["accounts"])
    c.CourseLTIAuthenticator.teaching = {name: True for name in settings["instructors"]}
    c.LTI13LaunchValidator.time_leeway = 10  # seconds of clock skew between the LMS and the hub


def urls(base: str) -> dict[str, str]:
    """What an LMS administrator enters for the tool on the hub at ``base`` (its public URL)."""
    base = base.rstrip("/")
    return {
        "target link URI (launch)": f"{base}/hub/lti13/oauth_callback",
        "OpenID Connect initiation URL (login)": f"{base}/hub/lti13/oauth_login",
        "redirect URI": f"{base}/hub/lti13/oauth_callback",
        "public JWK set URL (keyset)": f"{base}/hub/lti13/jwks",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.hub.lti", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("urls", help="what the LMS administrator enters for the tool")
    show.add_argument("base", help="the hub's public URL, e.g. https://hub.example.edu")
    key = sub.add_parser("keys", help="make the tool's keys (once) and print its public JWKS")
    key.add_argument("--root", type=Path, default=Path("/srv/convlab"), help="the hub's folder")
    roster = sub.add_parser("roster", help="write the LMS's membership as a roster CSV")
    roster.add_argument("--platform", type=Path, required=True)
    roster.add_argument("--root", type=Path, default=Path("/srv/convlab"))
    roster.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "urls":
        for what, url in urls(args.base).items():
            print(f"{what}: {url}")
        return 0
    if args.command == "keys":
        print(json.dumps(keys(args.root / "state"), indent=1))
        return 0
    path = roster_from_lms(Platform.read(args.platform), args.root / "state", args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
