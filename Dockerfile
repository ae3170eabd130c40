# restores bot: slim, non-root, pinned Python. The Procfile stays the reference for process types:
#   docker run ... restores-bot                       -> web  (python -m bot serve)
#   docker run ... restores-bot python -m bot clock   -> clock (exactly one per deployment)
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir . \
    && mkdir -p /app/data && chown bot:bot /app/data

# The default SQLite ledger lives in a writable volume; use DATABASE_URL=postgresql://... in production.
ENV DATABASE_URL=sqlite:////app/data/restores-bot.sqlite3
VOLUME ["/app/data"]

USER bot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=2)"
CMD ["python", "-m", "bot", "serve"]
