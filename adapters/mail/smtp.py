"""The SMTP adapter of `MailSender` (smtplib), with an optional IMAP Sent folder to look
in when an interrupted attempt's outcome must be found out."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from adapters.mail.html_text import html_to_text
from adapters.mail.port import Delivery, OutgoingMessage, SendFailed


def build(message: OutgoingMessage) -> EmailMessage:
    """The RFC 5322 message: HTML content goes with a plain-text alternative."""
    m = EmailMessage()
    m["From"] = formataddr((message.from_name or "", message.from_address))
    if message.to:
        m["To"] = ", ".join(message.to)
    if message.cc:
        m["Cc"] = ", ".join(message.cc)
    m["Subject"] = message.subject
    m["Message-ID"] = message.message_id
    m["Date"] = formatdate(localtime=False, usegmt=True)
    if message.content_type == "text/html":
        m.set_content(html_to_text(message.content) or " ")
        m.add_alternative(message.content, subtype="html")
    else:
        m.set_content(message.content or " ")
    return m


def _answer(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {text}".strip()


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "starttls",  # none | starttls | ssl
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        sent_folder=None,  # an ImapReader-like object with contains(message_id)
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.sent_folder = sent_folder

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        client.ehlo()
        if self.security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if self.username:
            client.login(self.username, self.password or "")
        return client

    def send(self, message: OutgoingMessage) -> Delivery:
        data = build(message).as_bytes()
        try:
            client = self._connect()
        except smtplib.SMTPResponseException as e:
            raise SendFailed(_answer(e.smtp_code, e.smtp_error), e.smtp_code) from e
        except (OSError, smtplib.SMTPException) as e:
            raise SendFailed(f"cannot reach {self.host}:{self.port}: {e}") from e
        try:
            return self._transaction(client, message, data)
        except smtplib.SMTPResponseException as e:
            raise SendFailed(_answer(e.smtp_code, e.smtp_error), e.smtp_code) from e
        except (OSError, smtplib.SMTPException) as e:
            raise SendFailed(f"lost {self.host}:{self.port} while sending: {e}") from e
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _transaction(self, client: smtplib.SMTP, message: OutgoingMessage, data: bytes):
        code, text = client.mail(message.from_address)
        if code != 250:
            client.rset()
            raise SendFailed(_answer(code, text), code)
        refused = []
        for address in message.recipients:
            code, text = client.rcpt(address)
            if code not in (250, 251):
                refused.append((address, _answer(code, text)))
        if len(refused) == len(message.recipients):
            client.rset()
            first = refused[0][1]
            raise SendFailed(first, int(first[:3]) if first[:3].isdigit() else None, tuple(refused))
        code, text = client.data(data)
        if code != 250:
            raise SendFailed(_answer(code, text), code, tuple(refused))
        return Delivery(_answer(code, text), tuple(refused))

    def was_sent(self, message_id: str) -> bool | None:
        if self.sent_folder is None:
            return None  # SMTP itself keeps no record we could ask
        return self.sent_folder.contains(message_id)
