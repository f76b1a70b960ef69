"""Where a study lives: Optuna's relational storage, on SQLite for one machine or on a database
server (PostgreSQL, MySQL) for several hosts.

Every process given the same storage URL and study name works on one search: Optuna keeps the
trials, their reported validation losses and their states in the database, so a process that
starts later (or again, after a kill) sees every trial before it. Each running trial beats a
heartbeat into the database every `HEARTBEAT_SECONDS`; a trial whose heartbeat stopped for
`GRACE_SECONDS` (its process was killed) is marked failed by the next process that starts a
trial, so a killed search loses only the trials that were running.

The checks here run before anything is written: an unknown scheme, an in-memory database, a
missing folder, or a file that is not an Optuna database is refused in one line, so a search
never writes its tables into a file of the user's. A server is reached once, with a timeout, and
an unreachable one (or a missing driver) is one line too.
"""

import os
import sqlite3
import time
import warnings

from keras_nhits.errors import NHITSInputError, first_line, short_repr

__all__ = ["GRACE_SECONDS", "HEARTBEAT_SECONDS", "check_storage", "open_storage", "shown_url"]

HEARTBEAT_SECONDS = 15
GRACE_SECONDS = 120
CONNECT_SECONDS = 10
CREATE_ATTEMPTS = 5
# What a worker that lost the race to create a new database's tables sees: a table made
# meanwhile, a lock held, the schema version row written twice (SQLite, PostgreSQL, MySQL).
RACE_SIGNS = (
    "already exists",
    "database is locked",
    "UNIQUE constraint failed",
    "duplicate key",
    "Duplicate entry",
)
# The server databases, and the package of each driver SQLAlchemy picks by URL
# (postgresql:// is psycopg 3 in SQLAlchemy 2.1, postgresql+psycopg2:// psycopg2).
SERVERS = ("postgresql", "mysql")
DRIVERS = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "pymysql": "PyMySQL",
    "mysqldb": "mysqlclient",
    "mysqlconnector": "mysql-connector-python",
}
# Tables every Optuna RDB storage holds.
OPTUNA_TABLES = {"studies", "trials", "version_info"}
DEFAULT_FILE = "study.db"


def default_url(output):
    """The storage without `--storage`: an SQLite file in the search's folder."""
    return "sqlite:///" + os.path.join(os.path.abspath(output), DEFAULT_FILE)


def shown_url(url):
    """`url` with its password hidden, for logs and the files a search writes."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is refused by check_storage
        return "the storage URL"


def sqlite_path(url):
    """The file of an `sqlite:///FILE` URL (None for another database)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.database if parsed.get_backend_name() == "sqlite" else None


def check_storage(url, folder_made=None):
    """Refuses a storage URL a search cannot use, before anything is written.

    `folder_made` is the search's output folder: an SQLite file there may lie in a folder the
    search has yet to create. Raises `NHITSInputError` naming the URL (password hidden).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not isinstance(url, str) or not url.strip():
        raise NHITSInputError(f"--storage must be a database URL; received {short_repr(url)}")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise NHITSInputError(
            f"--storage {short_repr(url)} is not a database URL: give sqlite:///FILE.db, "
            "postgresql://USER:PASSWORD@HOST/DB or mysql+pymysql://USER:PASSWORD@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    shown = shown_url(url)
    if backend == "sqlite":
        _check_sqlite_file(parsed.database, shown, folder_made)
    elif backend not in SERVERS:
        raise NHITSInputError(
            f"--storage {shown}: {backend} is not supported; use sqlite (one machine), "
            "postgresql or mysql (several hosts)"
        )
    else:
        try:
            parsed.get_dialect().import_dbapi()
        except ImportError:
            driver = parsed.get_driver_name()
            raise NHITSInputError(
                f"--storage {shown} needs the {driver} driver: pip install "
                f"{DRIVERS.get(driver, driver)}"
            ) from None


def _check_sqlite_file(path, shown, folder_made):
    if not path or path == ":memory:":
        raise NHITSInputError(
            f"--storage {shown} is in memory: a search that can resume needs a file, "
            "e.g. sqlite:///runs/study.db"
        )
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    made = folder_made is not None and os.path.abspath(folder_made) == folder
    if not made and not os.path.isdir(folder):
        raise NHITSInputError(
            f"--storage {shown}: folder {folder} does not exist; create it or choose another file"
        )
    if os.path.isdir(path):
        raise NHITSInputError(f"--storage {shown} is a folder; name a .db file")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        tables = set()
    if not OPTUNA_TABLES <= tables:
        raise NHITSInputError(
            f"--storage {shown}: {path} is not a study database (a file of yours?); nothing "
            "was changed: choose a new file"
        )


def open_storage(url):
    """Optuna's `RDBStorage` for `url`, with heartbeats, connected (creating its tables in a
    new database). Raises `NHITSInputError` when the driver is missing or the database cannot
    be reached."""
    import optuna
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        # Several processes on one file: wait for a lock instead of failing at once.
        engine = {"connect_args": {"timeout": 60}}
    else:
        engine = {"connect_args": {"connect_timeout": CONNECT_SECONDS}, "pool_pre_ping": True}
    for attempt in range(CREATE_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                # Heartbeats are "experimental" in Optuna since 2.9 (their API, not their work).
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=GRACE_SECONDS,
                )
        except Exception as error:  # SQLAlchemy's OperationalError and friends: one line
            # Workers started together race to create the tables of a new database: the
            # losers find them made, or half made, and open it again.
            racing = any(sign in str(error) for sign in RACE_SIGNS)
            if not racing or attempt == CREATE_ATTEMPTS - 1:
                raise NHITSInputError(
                    f"--storage {shown_url(url)} cannot be reached: {first_line(error)}"
                ) from None
            time.sleep(0.2 * (attempt + 1))
