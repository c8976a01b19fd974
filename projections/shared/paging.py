"""What every paged answer says beside its rows: `has_more` and `links.next`, the URL of
the next page (this request's, with the cursor of the next page in place of its own), as
Stripe- and Zendesk-style clients expect. A page model subclasses `Paged`; the API binds
each request's URL (services/api/deps.py), and the model fills both from its own
`next_cursor` (or `next_after`) when it is made."""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, Field, model_validator

_url: ContextVar[str | None] = ContextVar("page_url", default=None)
# the model field holding the next page's token, and the query parameter that takes it
TOKENS = (("next_cursor", "cursor"), ("next_after", "after"))


def bind(url: str) -> None:
    """The URL of the request being answered (its pages link on from it)."""
    _url.set(url)


def with_param(url: str, name: str, value: str) -> str:
    """`url` with the query parameter `name` set to `value` (the others kept, in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))


class PageLinks(BaseModel):
    next: str | None = Field(None, description="The next page's URL: this query, its cursor")


class Paged(BaseModel):
    has_more: bool = Field(False, description="Whether another page follows")
    links: PageLinks = Field(default_factory=PageLinks)

    @model_validator(mode="after")
    def _link_on(self) -> Paged:
        for field, param in TOKENS:
            token = getattr(self, field, None)
            if token is not None:
                self.has_more = True
                url = _url.get()
                if url is not None and self.links.next is None:
                    self.links = PageLinks(next=with_param(url, param, str(token)))
        return self
