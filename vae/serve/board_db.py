"""The class board's database: its schema, the schema's version and every SQL statement the app runs on it.

One code path for two engines: SQLite (the default: one file, WAL mode, shared by every replica on one machine) and
PostgreSQL (replicas on several machines; a postgresql:// URL). Statements are written with `?` placeholders and
portable SQL; `Database` turns them into psycopg's `%s`. Every change is one transaction, so a replica killed
mid-submission leaves either the whole entry or nothing; the class row's `version` goes up in the same
transaction, which is what a board checks to know it must redraw.
"""
import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 1
# Each migration takes a database from the version before it to its own; a new version adds an entry, never edits one.
MIGRATIONS = {
    1: [
        """CREATE TABLE classes (
            code TEXT PRIMARY KEY,
            open INTEGER NOT NULL,
            version BIGINT NOT NULL,
            created DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE entries (
            id {serial},
            class_code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
            name TEXT NOT NULL,
            owner TEXT NOT NULL,
            source TEXT NOT NULL,
            weights_sha256 TEXT NOT NULL,
            weights {blob} NOT NULL,
            settings TEXT NOT NULL,
            neg_elbo DOUBLE PRECISION NOT NULL,
            rate DOUBLE PRECISION NOT NULL,
            distortion DOUBLE PRECISION NOT NULL,
            created DOUBLE PRECISION NOT NULL,
            UNIQUE (class_code, weights_sha256))""",
        "CREATE INDEX entries_by_class ON entries (class_code, id)",
    ],
}
DIALECT = {  # what the two engines spell differently
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    "postgresql": {"serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "blob": "BYTEA"},
}
LISTED = "id, name, owner, source, weights_sha256, settings, neg_elbo, rate, distortion, created"


class BoardRefused(Exception):
    """A change the board does not take (closed, full, a duplicate, no such class); str() says why in one line."""


class Database:
    """A handle on the board's database, safe to share between threads: SQLite opens a connection per
    transaction (cheap, and sqlite3 connections belong to one thread); PostgreSQL draws one from a small pool."""

    def __init__(self, url: str):
        self.url = url
        self.engine = "postgresql" if url.startswith(("postgresql://", "postgres://")) else "sqlite"
        if self.engine == "postgresql":
            from psycopg_pool import ConnectionPool  # only a deployment on several machines needs psycopg
            self.pool = ConnectionPool(url, min_size=1, max_size=4, open=True, timeout=30)
        else:
            self.path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)
            self.path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def transaction(self, write: bool = True):
        """A cursor whose statements commit together when the block ends, or not at all if it raises. A read
        (write=False) on SQLite takes the last committed state without the write lock (WAL), so that every board's
        polls do not queue for it behind each other and the submissions."""
        if self.engine == "postgresql":
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield _Cursor(cur, "%s")
            return
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")  # a committed entry survives the machine, not only the process
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")  # writers queue here: checks and writes see one state
            try:
                yield _Cursor(conn.cursor(), "?")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    def close(self):
        if self.engine == "postgresql":
            self.pool.close()


class _Cursor:
    def __init__(self, cur, mark: str):
        self.cur, self.mark = cur, mark

    def run(self, sql: str, params=()):
        self.cur.execute(sql.replace("?", self.mark), tuple(params))
        return self

    def rows(self) -> list[dict]:
        names = [d[0] for d in self.cur.description]
        return [dict(zip(names, row)) for row in self.cur.fetchall()]

    def one(self) -> dict | None:
        rows = self.rows()
        return rows[0] if rows else None


def open_database(url: str) -> Database:
    """Connect, and create or migrate the schema (one replica at a time: the others wait, then find it done)."""
    db = Database(url)
    try:
        _migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _migrate(db: Database):
    if db.engine == "sqlite":
        with sqlite3.connect(db.path, timeout=30) as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer; kept in the file
    with db.transaction() as cur:
        if db.engine == "postgresql":
            cur.run("SELECT pg_advisory_xact_lock(74311)")  # any fixed number: the migration's lock
        cur.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = cur.run("SELECT max(version) AS version FROM schema_version").one()
        found = row["version"] or 0
        if found > SCHEMA_VERSION:
            raise RuntimeError(f"the board's database has schema version {found}, newer than this app's "
                               f"{SCHEMA_VERSION}: run the newer app, or point VAE_BOARD_DB at another database.")
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                cur.run(statement.format(**DIALECT[db.engine]))
            cur.run("INSERT INTO schema_version (version) VALUES (?)", (version,))


def schema_version(db: Database) -> int:
    with db.transaction(write=False) as cur:
        return cur.run("SELECT max(version) AS version FROM schema_version").one()["version"]


def create_class(db: Database, code: str) -> None:
    with db.transaction() as cur:
        if cur.run("SELECT code FROM classes WHERE code = ?", (code,)).one():
            raise BoardRefused(f"a class with the code {code} exists already.")
        cur.run("INSERT INTO classes (code, open, version, created) VALUES (?, 1, 1, ?)", (code, time.time()))


def get_class(db: Database, code: str) -> dict | None:
    """{code, open, version, created, entries} or None."""
    with db.transaction(write=False) as cur:
        row = cur.run("SELECT code, open, version, created FROM classes WHERE code = ?", (code,)).one()
        if row:
            row["open"] = bool(row["open"])
            row["entries"] = cur.run("SELECT count(*) AS n FROM entries WHERE class_code = ?", (code,)).one()["n"]
        return row


def _bump(cur, code: str) -> dict:
    """Raise the class's version (and, on PostgreSQL, lock its row until the transaction ends)."""
    row = cur.run("UPDATE classes SET version = version + 1 WHERE code = ? RETURNING open, version", (code,)).one()
    if row is None:
        raise BoardRefused(f"there is no class with the code {code}.")
    return row


def add_entry(db: Database, code: str, entry: dict, max_entries: int) -> int:
    """Insert a scored submission; returns its id. Refused when the class is closed or full, or holds these weights."""
    with db.transaction() as cur:
        if not _bump(cur, code)["open"]:
            raise BoardRefused("the teacher has closed submissions for this class.")
        if cur.run("SELECT count(*) AS n FROM entries WHERE class_code = ?", (code,)).one()["n"] >= max_entries:
            raise BoardRefused(f"the board is full ({max_entries} models); ask the teacher to make room.")
        same = cur.run("SELECT id FROM entries WHERE class_code = ? AND weights_sha256 = ?",
                       (code, entry["weights_sha256"])).one()
        if same:
            raise BoardRefused(f"this model is on the board already, as #{same['id']}.")
        row = cur.run(
            "INSERT INTO entries (class_code, name, owner, source, weights_sha256, weights, settings, neg_elbo, rate,"
            " distortion, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (code, entry["name"], entry["owner"], entry["source"], entry["weights_sha256"], entry["weights"],
             json.dumps(entry["settings"]), entry["neg_elbo"], entry["rate"], entry["distortion"], time.time())).one()
        return row["id"]


def entries(db: Database, code: str) -> list[dict]:
    """The class's entries, oldest first, without their weights."""
    with db.transaction(write=False) as cur:
        rows = cur.run(f"SELECT {LISTED} FROM entries WHERE class_code = ? ORDER BY id", (code,)).rows()
    return [{**row, "settings": json.loads(row["settings"])} for row in rows]


def entry_weights(db: Database, code: str, entry_id: int) -> bytes | None:
    with db.transaction(write=False) as cur:
        row = cur.run("SELECT weights FROM entries WHERE class_code = ? AND id = ?", (code, entry_id)).one()
    return None if row is None else bytes(row["weights"])


def remove_entry(db: Database, code: str, entry_id: int, owner: str | None = None) -> bool:
    """Delete one entry (only if `owner` submitted it, when given); False when there was none to delete."""
    sql, params = "DELETE FROM entries WHERE class_code = ? AND id = ?", [code, entry_id]
    if owner is not None:
        sql, params = sql + " AND owner = ?", params + [owner]
    try:
        with db.transaction() as cur:
            _bump(cur, code)
            if not cur.run(sql + " RETURNING id", params).rows():
                raise _Unchanged()  # undoes the version's bump: boards have nothing to redraw
    except _Unchanged:
        return False
    return True


def set_open(db: Database, code: str, is_open: bool) -> None:
    with db.transaction() as cur:
        _bump(cur, code)
        cur.run("UPDATE classes SET open = ? WHERE code = ?", (int(is_open), code))


def clear_class(db: Database, code: str) -> int:
    """Delete every entry of the class; returns how many there were."""
    with db.transaction() as cur:
        _bump(cur, code)
        return len(cur.run("DELETE FROM entries WHERE class_code = ? RETURNING id", (code,)).rows())


class _Unchanged(Exception):
    """Raised inside a transaction to undo its version bump when it changed nothing."""
