# The companion in a slim image: non-root, data in /data, healthcheck on /healthz.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
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
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin companion \
    && mkdir -p /data && chown companion:companion /data

USER companion
VOLUME ["/data"]
EXPOSE 8097
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8097/healthz', timeout=4).status == 200 else 1)"
CMD ["companion", "serve", "--host", "0.0.0.0"]
