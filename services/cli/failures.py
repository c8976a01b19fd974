"""How a command fails: one line on stderr, naming what was wrong, and an exit code that
tells the kind of failure apart (scripts and health checks read it).

| code | meaning |
| --- | --- |
| 0 | done |
| 1 | done, and the answer is "no": a check found problems, a record was not there |
| 2 | the command line was wrong (argparse) |
| 3 | the configuration is wrong: a CHRONICLE_* variable, named in the message |
| 4 | PostgreSQL or NATS cannot be reached (or refused the credentials) |
| 5 | the input is wrong: a file to import, a proof to check |
| 6 | a file or folder cannot be read or written |
| 70 | a bug: the traceback is printed, please report it |
| 130 | interrupted (Ctrl-C) |
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from pydantic import ValidationError

CONFIG, UNREACHABLE, INPUT, FILES, BUG = 3, 4, 5, 6, 70


class Failure(Exception):
    """A known failure of a command: its message is all the user needs."""

    exit_code = 1


class ConfigFailure(Failure):
    """A known failure whose remedy is a setting: the message names it (exit 3)."""

    exit_code = CONFIG


def settings_problems(error: ValidationError) -> list[str]:
    """Each invalid setting, named by its environment variable."""
    return [
        f"CHRONICLE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']} "
        f"(given {e.get('input')!r})"
        for e in error.errors(include_url=False)
    ]


def reported(command: str, run: Callable[[], int]) -> int:
    """Run a command; a known failure becomes one line on stderr and its exit code."""
    import nats.errors
    import psycopg

    def say(text: str) -> None:
        print(f"chronicle {command}: {text}", file=sys.stderr)

    try:
        return run()
    except ValidationError as error:
        for line in settings_problems(error):
            say(line)
        return CONFIG
    except Failure as failure:
        say(str(failure))
        return failure.exit_code
    except psycopg.OperationalError as error:
        say(f"cannot reach PostgreSQL: {str(error).splitlines()[0]}")
        return UNREACHABLE
    except (nats.errors.NoServersError, nats.errors.AuthorizationError) as error:
        say(f"cannot reach NATS: {error}")
        return UNREACHABLE
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as e:
        say(f"{e.filename}: {e.strerror}")
        return FILES
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        code = getattr(error, "exit_code", None)
        if code is not None:  # a module's own known failure (services.audit.export.ImportError_)
            say(str(error))
            return code
        traceback.print_exc()
        say(f"unexpected {type(error).__name__}: a bug, please report it with the traceback")
        return BUG
