"""The demo (scripts/demo): every service on private servers, a sample workload published
as a producer would, then what it became (`run.py`, `showcase.py`)."""
