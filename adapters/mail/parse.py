"""Parse a raw RFC 5322 message into what Chronicle records, with the standard library.

Real mail is messy: headers with encoded words in any charset, bodies in quoted-printable
or base64 under charsets Python may not know, HTML-only bodies, missing Message-IDs,
bodies of many megabytes. `parse` never raises for any of that; it raises `Unparseable`
only when there is no message to speak of (no header fields) or no sender to record.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from adapters.mail.html_text import html_to_text

BODY_LIMIT = 100_000  # characters of body text stored; the snippet is always kept
SNIPPET_SIZE = 200
_MSG_ID = re.compile(r"<[^<>\s]+>")


class Unparseable(ValueError):
    """The bytes are not a message Chronicle can record; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Mailer:
    address: str
    name: str | None = None


@dataclass(frozen=True)
class Attached:
    name: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    message_id_derived: bool  # the message had none: derived from the raw bytes' hash
    sender: Mailer
    to: tuple[Mailer, ...]
    cc: tuple[Mailer, ...]
    subject: str | None
    sent_at: datetime | None
    snippet: str
    body: str
    body_truncated: bool
    attachments: tuple[Attached, ...]
    in_reply_to: str | None


def clean(text: str | None) -> str | None:
    """Text any store can keep: NUL characters removed, undecodable bytes replaced."""
    if text is None:
        return None
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def derived_message_id(raw: bytes) -> str:
    """The stable id of a message without a Message-ID: a hash of its bytes, line endings
    normalised, so the copy read over IMAP (CRLF) and from a Maildir (LF) agree."""
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()
    return f"<{digest}@sha256.chronicle.invalid>"


def normalise_message_id(value: str | None) -> str | None:
    """`<id@host>`: the first bracketed token, or the bare value bracketed."""
    value = " ".join((clean(value) or "").split())
    if not value:
        return None
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    token = value.split()[0].strip("<>")
    return f"<{token}>" if token else None


def _header(msg: EmailMessage, name: str) -> str | None:
    """A header's decoded text; a header the parser chokes on is read raw instead."""
    try:
        value = msg.get(name)
        return None if value is None else clean(str(value))
    except Exception:  # the policy's parsers have edge cases that raise
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
        return clean(str(raw)) if raw is not None else None


def _unescape(raw: str) -> str:
    """A header the parser read as ASCII with escaped bytes (raw 8-bit, not encoded
    words), read again as UTF-8, else Latin-1."""
    data = raw.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _addresses(msg: EmailMessage, name: str) -> tuple[Mailer, ...]:
    found: list[Mailer] = []
    raw = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    try:
        if any(not r.isascii() for r in raw):
            raise ValueError("raw 8-bit header")
        header = msg.get(name)
        items = [(a.display_name, a.addr_spec) for a in header.addresses] if header else []
    except Exception:
        items = getaddresses([_unescape(r) for r in raw])
    for display, spec in items:
        spec = (clean(spec) or "").strip().strip("<>")
        if "@" in spec and " " not in spec:
            found.append(Mailer(spec, clean(display.strip()) or None))
    return tuple(found)


def _date(msg: EmailMessage) -> datetime | None:
    text = _header(msg, "Date")
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _text_of(part: EmailMessage) -> str:
    """A text part's content, whatever its charset claims."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:  # a charset Python has never heard of
            return payload.decode("utf-8", "replace")


def _size(part: EmailMessage) -> int:
    if part.get_content_maintype() == "message":
        return len(part.as_bytes())
    payload = part.get_payload(decode=True)
    return len(payload) if isinstance(payload, bytes) else 0


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment" or (
        part.get_filename() is not None and part.get_content_maintype() != "multipart"
    )


def _walk(msg: EmailMessage) -> tuple[list[EmailMessage], list[EmailMessage], list[Attached]]:
    plain, html, attachments = [], [], []
    stack = [msg]
    while stack:
        part = stack.pop(0)
        forwarded = part is not msg and part.get_content_type() == "message/rfc822"
        if _is_attachment(part) or forwarded:
            name = part.get_filename()
            if name is None and part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else None
                name = (_header(inner, "Subject") or "message") + ".eml" if inner else None
            attachments.append(Attached(clean(name), part.get_content_type(), _size(part)))
        elif part.is_multipart():
            stack[:0] = list(part.iter_parts())
        elif part.get_content_type() == "text/plain":
            plain.append(part)
        elif part.get_content_type() == "text/html":
            html.append(part)
    return plain, html, attachments


def parse(raw: bytes, body_limit: int = BODY_LIMIT) -> ParsedEmail:
    """The fields Chronicle records of one raw RFC 5322 message."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    if not msg.keys():
        raise Unparseable("not an RFC 5322 message: it has no header fields")
    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    if not senders:
        raise Unparseable("the message has no sender: its From header has no address")
    plain, html, attachments = _walk(msg)
    if plain:
        text = "\n\n".join(_text_of(p) for p in plain)
    else:
        text = "\n\n".join(html_to_text(_text_of(p)) for p in html)
    text = clean(text) or ""
    snippet = " ".join(text[: SNIPPET_SIZE * 20].split())[:SNIPPET_SIZE]
    message_id = normalise_message_id(_header(msg, "Message-ID"))
    subject = _header(msg, "Subject")
    return ParsedEmail(
        message_id=message_id or derived_message_id(raw),
        message_id_derived=message_id is None,
        sender=senders[0],
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        subject=" ".join(subject.split()) if subject else None,
        sent_at=_date(msg),
        snippet=snippet,
        body=text[:body_limit],
        body_truncated=len(text) > body_limit,
        attachments=tuple(attachments),
        in_reply_to=normalise_message_id(_header(msg, "In-Reply-To")),
    )
