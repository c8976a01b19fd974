# One image for every Chronicle service: the command picks it (`run ingest`, `run relay`,
# `run projectors`, `run api`, and the operator commands: `migrate`, `status`, ...).
# Runtime dependencies only (no embedded servers, no test tools), at the versions the
# tests pass with (constraints.txt). compose.yaml builds it once and every container runs it.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY domain domain
COPY adapters adapters
COPY projections projections
COPY services services
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home chronicle \
    && mkdir -p /var/lib/chronicle && chown chronicle /var/lib/chronicle
USER chronicle
ENV CHRONICLE_LOG_FORMAT=json CHRONICLE_DATA_DIR=/var/lib/chronicle
EXPOSE 8000 9100
ENTRYPOINT ["chronicle"]
