# The companion in a slim image: runs as uid/gid 10001 (chown a bind-mounted /data to it, or
# run the container as your own uid with `user:`), data in /data, healthcheck on /healthz at
# the configured COMPANION_PORT.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COMPANION_DATA_DIR=/data \
    COMPANION_HOST=0.0.0.0 \
    COMPANION_PORT=8097

WORKDIR /app
COPY pyproject.toml README.md ./
COPY companion ./companion
COPY web ./web
COPY integrations ./integrations
COPY webhooks ./webhooks
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 companion \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin companion \
    && mkdir -p /data && chown 10001:10001 /data

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8097
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "companion.healthcheck"]
# Host and port come from COMPANION_HOST / COMPANION_PORT (defaults above).
CMD ["companion", "serve"]
