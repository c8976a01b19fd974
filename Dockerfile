FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY adapters adapters
COPY projections projections
COPY services services
RUN pip install --no-cache-dir .
ENV CHRONICLE_LOG_FORMAT=json
ENTRYPOINT ["chronicle"]
