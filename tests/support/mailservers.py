"""Real mail servers for the tests: an SMTP server (aiosmtpd, in this process) and a
private IMAP server (dovecot, with its own config, port and folders in a temp dir)."""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from adapters.embedded import free_port
from adapters.processes import die_with_parent


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        loop = asyncio.get_running_loop()
        if self.server.on_message is not None:
            await loop.run_in_executor(None, self.server.on_message, envelope.content)
        self.server.got_one.set()
        if self.server.hold_reply.is_set():  # keep the client waiting for our answer
            await loop.run_in_executor(None, self.server.release.wait)
        return f"250 2.0.0 Ok: queued as Q{len(self.server.received)}"


class SmtpServer:
    """aiosmtpd on a free port; `received` holds (from, recipients, bytes) of each
    message it took; addresses in `refuse` are refused at RCPT with a 550."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.got_one = threading.Event()
        self.hold_reply = threading.Event()
        self.release = threading.Event()
        self.on_message = None  # called with each message's bytes, before the answer
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.controller.stop()

    def messages(self) -> list:
        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]


_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if not found:
        raise RuntimeError(
            "the IMAP tests need dovecot: run scripts/bootstrap as root, or "
            "apt-get install dovecot-imapd"
        )
    return found


class Dovecot:
    """A private dovecot: user `ann` (password `secret`), folders INBOX and Sent."""

    user, password = "ann", "secret"

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="chronicle-dovecot-"))
        self.root.chmod(0o755)  # dovecot's own users read the config and passwd file
        self.port = free_port()
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
            account = pwd.getpwnam("dovecot")
        else:
            account = pwd.getpwuid(os.getuid())
            internal = login = account.pw_name
        for folder in ("run", "state", "home"):
            (self.root / folder).mkdir()
        os.chown(self.root / "home", account.pw_uid, account.pw_gid)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(
            _CONF.format(
                root=self.root,
                internal=internal,
                login=login,
                uid=account.pw_uid,
                gid=account.pw_gid,
                port=self.port,
            )
        )
        self.process = subprocess.Popen(
            [dovecot_binary(), "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client().logout()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = (self.root / "dovecot.log").read_text(errors="replace")
                    raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.05)  # ok-sleep: waiting for the server's port to open

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder, as a mail server delivering it would."""
        client = self.client()
        try:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
