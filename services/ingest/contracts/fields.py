"""Field definitions shared by the data contracts."""

from __future__ import annotations

from pydantic import Field

Id = Field(min_length=1, max_length=200, description="A producer's id")
OptionalId = Field(None, min_length=1, max_length=200)
Channel = Field(min_length=1, max_length=64, description="email, whatsapp, webchat, sms, ...")
Text = Field(None, max_length=10_000)
Body = Field(max_length=256_000)
