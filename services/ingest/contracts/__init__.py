"""The `data` of each envelope type: one pydantic model per shape of data."""
