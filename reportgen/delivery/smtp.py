"""SMTP transport done properly, on the standard library's smtplib.

What the raw library leaves to the caller, and this module does:

- **Certificates are verified.** ``SMTP.starttls()`` without a context encrypts but
  accepts any certificate; here both STARTTLS and implicit TLS use
  ``ssl.create_default_context`` (hostname check, CERT_REQUIRED, TLS 1.2+), with the
  configured CA bundle for servers signed by an internal CA.
- **Credentials come from environment variables** named in the config, are checked
  before connecting, and never reach a log line, an error message or a repr. smtplib's
  debug output (which prints the AUTH exchange) is never switched on.
- **Every network step has a timeout**, and failures become one :class:`DeliveryError`
  naming ``host:port`` and what to check.
- **Refused recipients are returned**: ``sendmail`` raises only when *every* recipient
  is refused; a partial refusal is a return value that callers must not drop, so
  :func:`send_bytes` hands back both.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.config import SmtpSettings
from reportgen.errors import DeliveryError


@dataclass(frozen=True)
class Credentials:
    """A login read from the environment; the repr names the variables, not the values."""

    username: str = field(repr=False)
    password: str = field(repr=False)
    username_env: str
    password_env: str


def credentials_from_env(settings: SmtpSettings, env: Mapping[str, str]) -> Credentials | None:
    """The login named by ``username_env``/``password_env``; None when none is configured.

    A configured variable that is unset or empty is an error naming the variable (never
    its value): sending without the intended login would be refused later, less clearly.
    """
    if settings.username_env is None or settings.password_env is None:
        return None
    missing = [name for name in (settings.username_env, settings.password_env) if not env.get(name)]
    if missing:
        names = " and ".join(f"${name}" for name in missing)
        raise DeliveryError(
            f"environment variable {names} is not set (email.smtp names it for the SMTP "
            "login); set it, or remove username_env/password_env to send without a login"
        )
    return Credentials(
        username=env[settings.username_env],
        password=env[settings.password_env],
        username_env=settings.username_env,
        password_env=settings.password_env,
    )


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """A verifying client context: the system CAs, or only ``ca_bundle`` when given."""
    if ca_bundle is not None and not ca_bundle.is_file():
        raise DeliveryError(f"email.smtp.ca_bundle: file {str(ca_bundle)!r} not found")
    try:
        context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"email.smtp.ca_bundle: {str(ca_bundle)!r} is not a PEM file of CA certificates "
            f"({exc.reason or exc})"
        ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@contextlib.contextmanager
def smtp_session(
    settings: SmtpSettings,
    *,
    ca_bundle: Path | None,
    credentials: Credentials | None,
) -> Iterator[smtplib.SMTP]:
    """A connected, encrypted (unless ``security: none``) and logged-in SMTP session.

    Everything that can go wrong before the first message is a :class:`DeliveryError`;
    the session is closed on the way out whatever happens inside the ``with`` block."""
    host, port = settings.host, settings.effective_port
    where = f"{host}:{port}"
    timeout = settings.timeout_seconds
    context = tls_context(ca_bundle) if settings.security != "none" else None
    conn: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
        conn.ehlo()
        if settings.security == "starttls":
            if not conn.has_extn("starttls"):
                raise DeliveryError(
                    f"SMTP server {where} does not offer STARTTLS; use 'security: ssl' if it "
                    "expects TLS from the start (usually port 465); mail is never sent "
                    "unencrypted to a remote server"
                )
            conn.starttls(context=context)
            conn.ehlo()
        if credentials is not None:
            conn.login(credentials.username, credentials.password)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, DeliveryError):
            raise
        if isinstance(exc, Exception):
            raise _connect_error(exc, where, timeout, settings, credentials) from None
        raise
    try:
        yield conn
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _connect_error(
    exc: Exception,
    where: str,
    timeout: float,
    settings: SmtpSettings,
    credentials: Credentials | None,
) -> DeliveryError:
    """One clear sentence per failure; never the credentials."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"TLS certificate verification failed for SMTP server {where}: "
            f"{exc.verify_message or exc.reason}; nothing was sent. If the server uses an "
            "internal CA, set email.smtp.ca_bundle to its PEM file"
        )
    if isinstance(exc, ssl.SSLError):
        hint = (
            "is it a STARTTLS port (587)? then use 'security: starttls'"
            if settings.security == "ssl"
            else "check email.smtp.security and port"
        )
        return DeliveryError(
            f"TLS handshake with SMTP server {where} failed ({exc.reason}); {hint}"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        user_env = credentials.username_env if credentials else "?"
        return DeliveryError(
            f"SMTP server {where} refused the login of the user in ${user_env}: "
            f"{exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"SMTP server {where} does not support login (AUTH) on this connection; "
            "remove username_env/password_env or check email.smtp.security"
        )
    timed_out = isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)
    if isinstance(exc, TimeoutError) or timed_out:  # smtplib wraps a read timeout
        return DeliveryError(
            f"SMTP server {where} did not answer within {timeout:g} s "
            "(email.smtp.timeout_seconds); check host, port and firewall"
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"SMTP server {where} closed the connection unexpectedly ({exc})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(
            f"SMTP server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return DeliveryError(f"cannot connect to SMTP server {where}: {reason}")
    return DeliveryError(f"SMTP error with {where}: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class SendResult:
    """What the server did with one message: accepted and refused recipients, or why
    the whole message failed (``error``); ``connection_lost`` ends the session."""

    accepted: tuple[str, ...]
    refused: dict[str, str]
    error: str | None = None
    connection_lost: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refused


def send_bytes(
    conn: smtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes
) -> SendResult:
    """Send one message (already CRLF-encoded bytes) to the envelope recipients."""
    try:
        refused = conn.sendmail(sender, list(recipients), data)
    except smtplib.SMTPRecipientsRefused as exc:
        return SendResult((), _refusals(exc.recipients), "every recipient was refused")
    except smtplib.SMTPSenderRefused as exc:
        error = f"sender {sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        return SendResult((), {}, error)
    except smtplib.SMTPServerDisconnected as exc:
        return SendResult((), {}, f"connection lost ({exc})", connection_lost=True)
    except smtplib.SMTPResponseException as exc:  # DATA refused, e.g. 552 too big, 554
        if exc.smtp_code == 421:
            error = f"server closing the connection: {exc.smtp_code} {_text(exc.smtp_error)}"
            return SendResult((), {}, error, connection_lost=True)
        return SendResult((), {}, f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}")
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult((), {}, f"{type(exc).__name__}: {exc}", connection_lost=True)
    bad = _refusals(refused)
    return SendResult(tuple(r for r in recipients if r not in bad), bad)


def server_size_limit(conn: smtplib.SMTP) -> int | None:
    """The largest message the server accepts (ESMTP SIZE), if it says so."""
    raw = conn.esmtp_features.get("size", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> dict[str, str]:
    return {addr: f"{code} {_text(msg)}" for addr, (code, msg) in refused.items()}


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(value.split())
