# One image for every Chronicle service: the command picks it (`run ingest`, `run relay`,
# `run projector NAME`, `run api`, and the operator commands: `status`, `check`, ...).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY adapters adapters
COPY projections projections
COPY services services
RUN pip install --no-cache-dir . && useradd --create-home chronicle \
    && mkdir -p /var/lib/chronicle && chown chronicle /var/lib/chronicle
USER chronicle
ENV CHRONICLE_LOG_FORMAT=json CHRONICLE_DATA_DIR=/var/lib/chronicle
EXPOSE 8000 9100
ENTRYPOINT ["chronicle"]
