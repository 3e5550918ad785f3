#!/usr/bin/env bash
# scripts/dev.sh — run and test OPC Community on one Debian/Ubuntu machine, without Docker.
#
# Normally called through the Makefile (`make run`, `make test`, ...); docs/operations.md
# explains each command and what it prints.
#
#   scripts/dev.sh run          provision, migrate, load demo data, serve http://127.0.0.1:8000
#                               with a Celery worker and beat; Ctrl-C stops all it started
#   scripts/dev.sh test [ARGS]  provision, then ruff, lint-imports, mypy, makemigrations --check, pytest ARGS
#   scripts/dev.sh lint | migrate | shell | messages | stop | clean-data
#
# "Provision" means: install the missing Debian packages, create .venv and install the
# project into it (again only when pyproject.toml changed), then make PostgreSQL and
# Redis available. DATABASE_URL / REDIS_URL, when set, are used as they are (with
# MIGRATION_DATABASE_URL, the owner role's, when given); otherwise a PRIVATE PostgreSQL
# cluster and a private Redis run from .data/ on free local ports, the cluster with the
# two roles of docs/operations.md "Database roles": opc_owner owns the tables (migrate,
# seed_demo, pytest), opc_app is what the web server, worker and beat connect as.
# Each command stops, when it ends, the private services that it started itself, never
# ones it found running (another terminal's `make run`) or ones given by URL.
#
# Layout of .data/ (git-ignored):
#   pg/             the private cluster: pg/data (PGDATA), pg/run (socket), pg/postgres.log;
#                   a symlink to /var/tmp/opc-community-<hash>/ when the postgres user
#                   cannot enter the checkout (root running in a `mktemp -d` clone)
#   pg.port         the cluster's port, reused by the next run
#   redis/, redis.port   the private Redis (pid file, log; it keeps nothing on disk)
#   run/            pid files of the web server, worker and beat of a `make run`
#   celerybeat-schedule, private/   written by the app itself (beat; uploaded files)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA=$ROOT/.data
VENV=$ROOT/.venv
PY=$VENV/bin/python
cd "$ROOT"

# Debian packages: WeasyPrint's libraries and CJK fonts, the two services, and what the
# browser tests (Chromium) and PDF checks (pdftotext/pdftoppm) use.
APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
              postgresql postgresql-contrib redis-server chromium poppler-utils)
PG_DB=opc_community          # database name inside the private cluster
PG_OWNER_ROLE=opc_owner      # owns the tables: migrations, demo data, tests
PG_APP_ROLE=opc_app          # the application: neither superuser nor owner
PG_PORT_FROM=55432           # first port tried for the private PostgreSQL
REDIS_PORT_FROM=56379        # first port tried for the private Redis
WEB_PORT=${WEB_PORT:-8000}   # `make run` serves http://127.0.0.1:$WEB_PORT

# What this invocation started, so that cleanup stops exactly that.
STARTED_PG=0
STARTED_REDIS=0
APP_PIDS=()     # process-group leaders (each app process runs in a session of its own)
DB_SOURCE=""    # human-readable origin of the database / Redis, for the banner
REDIS_SOURCE=""

# ---------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------
if [[ -t 1 ]]; then BOLD=$'\e[1m' BLUE=$'\e[1;34m' YELLOW=$'\e[1;33m' RED=$'\e[1;31m' GREEN=$'\e[1;32m' OFF=$'\e[0m'
else BOLD='' BLUE='' YELLOW='' RED='' GREEN='' OFF=''; fi
say()  { printf '%s==>%s %s\n' "$BLUE" "$OFF" "$*"; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$OFF" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$RED" "$OFF" "$*" >&2; exit 1; }

# Hide the password of a URL before printing it.
mask_url() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# ---------------------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------------------
# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "root rights are needed for: $* (run as root, or install sudo)"; fi
}

apt_install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
apt_update()  { say "apt-get update"; as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q; }

# Install those of the given packages that dpkg does not list as installed.
ensure_packages() {
    if ! command -v dpkg-query >/dev/null; then
        warn "not a Debian/Ubuntu system; make sure these are installed: $*"
        return 0
    fi
    local pkg missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    say "Installing Debian packages: ${missing[*]}"
    # Update the package lists only when they are empty or when the install fails.
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt_update
    apt_install "${missing[@]}" || { apt_update && apt_install "${missing[@]}"; } \
        || die "could not install: ${missing[*]}"
}

# ---------------------------------------------------------------------------------------
# Python virtual environment
# ---------------------------------------------------------------------------------------
# The base interpreter: $PYTHON if given, else the first python3.x >= 3.11 on PATH.
base_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    die "Python 3.11 or newer is needed (pyproject.toml); set PYTHON=/path/to/python3.11"
}

# .venv with `pip install -e ".[dev]"`, redone only when pyproject.toml (or the checkout's
# path, which the editable install and the venv's scripts record) changed. The stamp holds
# the hash of pyproject.toml and the path; it is written only after a successful install.
ensure_venv() {
    local stamp=$VENV/.opc-install-stamp want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) $ROOT"
    if [[ -f $stamp && $(<"$stamp") == "$want" ]] && "$PY" -c '' 2>/dev/null; then
        return 0
    fi
    # A venv that does not run, or was made for another checkout path, is rebuilt.
    if [[ -d $VENV ]] && { ! "$PY" -c '' 2>/dev/null ||
                           { [[ -f $stamp ]] && [[ $(<"$stamp") != *" $ROOT" ]]; }; }; then
        say "Removing a .venv that belongs to another checkout path or does not run"
        rm -rf "$VENV"
    fi
    if [[ ! -x $PY ]]; then
        local python; python=$(base_python)
        # Debian's python3 lacks venv/ensurepip until python3-venv is installed.
        if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
            local ver; ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            ensure_packages "python$ver-venv"
        fi
        say "Creating .venv with $($python --version 2>&1)"
        "$python" -m venv "$VENV"
    fi
    say "Installing the project and its dev tools into .venv (pip install -e \".[dev]\"; log: .venv/pip-install.log)"
    if ! "$PY" -m pip install --disable-pip-version-check --progress-bar off -e ".[dev]" \
            >"$VENV/pip-install.log" 2>&1; then
        tail -n 30 "$VENV/pip-install.log" >&2
        die "pip install failed (whole log: .venv/pip-install.log)"
    fi
    echo "$want" >"$stamp"
}

# ---------------------------------------------------------------------------------------
# Ports and locking
# ---------------------------------------------------------------------------------------
# Succeeds when nothing listens on 127.0.0.1:PORT. SO_REUSEADDR, as the servers use it:
# connections of a server that just stopped (TIME_WAIT) do not make its port look taken.
port_free() {
    "$PY" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# First free port from $1 on (at most 200 tried).
pick_port() {
    local port
    for ((port = $1; port < $1 + 200; port++)); do
        port_free "$port" && { echo "$port"; return 0; }
    done
    die "no free local port in $1..$(($1 + 199))"
}

# Two commands in one checkout (say `make run` and `make test` started together) must not
# start the same cluster twice: services are started and stopped under .data/.lock.
# Daemons are started with `9>&-` so that they never inherit (and hold) the lock.
lock_services()   { mkdir -p "$DATA"; exec 9>"$DATA/.lock"; flock 9; }
unlock_services() { exec 9>&-; }

# ---------------------------------------------------------------------------------------
# Private PostgreSQL
# ---------------------------------------------------------------------------------------
PG_BASE=$DATA/pg             # real directory or symlink; see fallback below
PG_OWNER=$(id -un)           # who runs initdb/pg_ctl: initdb refuses root

# Run a PostgreSQL binary as the cluster's owner (runuser when we are root), from `/`
# so that a working directory the postgres user cannot enter does not matter.
pg_run() {
    local bin=$1; shift
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$PG_BIN/$bin" "$@")
    else
        "$PG_BIN/$bin" "$@"
    fi
}

# Choose where the cluster lives and create that directory (owned by the cluster owner).
# Normally .data/pg; but if the postgres user cannot reach it (a root-owned mode-700
# checkout such as `mktemp -d`), or the socket path would be too long for a Unix socket,
# the cluster lives in /var/tmp/opc-community-<hash of the checkout path>/ and .data/pg
# is a symlink to it.
prepare_pg_base() {
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "the 'postgres' user does not exist (is the postgresql package installed?)"
        PG_OWNER=postgres
    fi
    if [[ -L $PG_BASE && ! -d $PG_BASE ]]; then
        warn "$PG_BASE points to $(readlink "$PG_BASE"), which is gone: making a new cluster"
        rm -f "$PG_BASE"
    fi
    [[ -e $PG_BASE ]] && return 0

    local reachable=1 fallback
    fallback=/var/tmp/opc-community-$(printf %s "$ROOT" | sha256sum | cut -c1-12)
    # The postgres user must be able to pass through every directory down to .data.
    if [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$DATA" 2>/dev/null; then
        reachable=0
        say "The postgres user cannot enter $ROOT (mode $(stat -c %a "$ROOT"), owner $(stat -c %U "$ROOT")):"
        say "  keeping the cluster in $fallback, linked as .data/pg"
    elif ((${#DATA} + 22 > 100)); then   # ".../pg/run/.s.PGSQL.NNNNN" must fit in 107 bytes
        reachable=0
        say "The checkout path is too long for a Unix socket: keeping the cluster in $fallback, linked as .data/pg"
    fi
    if ((reachable)); then
        mkdir -p "$PG_BASE"
    else
        mkdir -p "$fallback"
        ln -sfn "$fallback" "$PG_BASE"
    fi
    chown "$PG_OWNER:" "$(readlink -f "$PG_BASE")"
    chmod 700 "$(readlink -f "$PG_BASE")"
}

# The port of a running cluster (4th line of postmaster.pid), if it runs.
pg_running_port() {
    [[ -f $PG_DATA/postmaster.pid ]] || return 1
    pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1 || return 1
    sed -n 4p "$PG_DATA/postmaster.pid"
}

# Create the cluster: UTF-8, superuser "postgres", trust on 127.0.0.1 and the private
# socket only, and durability settings traded for speed (it is a throwaway dev cluster).
pg_initdb() {
    say "Creating a private PostgreSQL $PG_VERSION cluster in .data/pg"
    pg_run initdb -D "$PG_DATA" -U postgres -E UTF8 --no-locale --auth=trust >"$PG_BASE_REAL/initdb.log" 2>&1 ||
        { cat "$PG_BASE_REAL/initdb.log" >&2; die "initdb failed"; }
    # Root may write these files: they stay owned by the cluster owner.
    cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# Private development cluster of OPC Community (scripts/dev.sh): no passwords, but
# reachable only through its own socket directory (mode 700) and 127.0.0.1.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
EOF
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# --- scripts/dev.sh: a throwaway development/test cluster ---------------------------
# The port, listen address and socket directory are given on pg_ctl's command line.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
}

# Make the private cluster run; sets DATABASE_URL. Reuses a running one.
ensure_private_pg() {
    prepare_pg_base
    PG_BASE_REAL=$(readlink -f "$PG_BASE")
    PG_DATA=$PG_BASE_REAL/data
    local sock=$PG_BASE_REAL/run port

    # Binaries of the cluster's own major version, else the newest installed.
    if [[ -f $PG_DATA/PG_VERSION ]]; then
        PG_VERSION=$(<"$PG_DATA/PG_VERSION")
        [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] ||
            die "the cluster in .data/pg was made by PostgreSQL $PG_VERSION, which is not installed; run 'make clean-data'"
    else
        PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
        [[ -n $PG_VERSION && -x /usr/lib/postgresql/$PG_VERSION/bin/initdb ]] ||
            die "no PostgreSQL server in /usr/lib/postgresql/<version>/bin (package postgresql)"
    fi
    PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin

    if port=$(pg_running_port); then
        DB_SOURCE="private PostgreSQL $PG_VERSION in .data/pg, already running (left running at exit)"
    else
        [[ -f $PG_DATA/PG_VERSION ]] || pg_initdb
        # The port of the last run, unless something else took it meanwhile.
        port=$(cat "$DATA/pg.port" 2>/dev/null || true)
        if [[ -z $port ]] || ! port_free "$port"; then port=$(pick_port "$PG_PORT_FROM"); fi
        echo "$port" >"$DATA/pg.port"
        mkdir -p "$sock" && chown "$PG_OWNER:" "$sock" && chmod 700 "$sock"
        say "Starting the private PostgreSQL $PG_VERSION on 127.0.0.1:$port"
        pg_run pg_ctl -D "$PG_DATA" -l "$PG_BASE_REAL/postgres.log" -w -t 60 \
            -o "-p $port -k '$sock' -c listen_addresses=127.0.0.1" start >/dev/null 9>&- ||
            { tail -n 20 "$PG_BASE_REAL/postgres.log" >&2; die "PostgreSQL did not start (log: .data/pg/postgres.log)"; }
        STARTED_PG=1
        DB_SOURCE="private PostgreSQL $PG_VERSION in .data/pg, started now (stopped at exit)"
    fi
    ensure_private_roles "$port"
    export DATABASE_URL="postgres://$PG_APP_ROLE@127.0.0.1:$port/$PG_DB"
    export MIGRATION_DATABASE_URL="postgres://$PG_OWNER_ROLE@127.0.0.1:$port/$PG_DB"
}

# As the cluster's superuser: the owner role (LOGIN CREATEDB: pytest creates its test database)
# and the application role (LOGIN only), the database owned by the owner. A cluster made before
# the roles existed has its database, test databases and objects handed over to the owner (once).
# The application role's rights are granted by `manage.py migrate` (opc_community.core.db_roles).
ensure_private_roles() {
    "$PY" - "postgres://postgres@127.0.0.1:$1/postgres" "$PG_DB" "$PG_OWNER_ROLE" "$PG_APP_ROLE" <<'PY' ||
import sys

import psycopg
from psycopg import sql

url, database, owner, app = sys.argv[1:]
with psycopg.connect(url, autocommit=True, connect_timeout=10) as admin:
    for role, rights in ((owner, "LOGIN CREATEDB"), (app, "LOGIN")):
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            admin.execute(sql.SQL("CREATE ROLE {} " + rights).format(sql.Identifier(role)))
            print(f"==> Created the database role {role}")
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
        print(f"==> Created database {database} (owner {owner})")
    for (name,) in admin.execute(
        "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"
        " WHERE (datname = %s OR datname LIKE %s) AND r.rolname <> %s", [database, f"test_{database}%", owner]
    ).fetchall():
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
        print(f"==> Database {name} now belongs to {owner}")
with psycopg.connect(url.rsplit("/", 1)[0] + "/" + database, autocommit=True, connect_timeout=10) as db:
    # Tables, sequences, views and functions (pgtrigger's, pghistory's) of the schema, but not the
    # objects of extensions (btree_gist), which stay the superuser's.
    objects = db.execute("""
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, c.oid::regclass::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')
           AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %(owner)s)
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
        UNION ALL
        SELECT 'FUNCTION', p.oid::regprocedure::text
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %(owner)s)
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    """, {"owner": owner}).fetchall()
    for kind, name in objects:
        db.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.SQL(name), sql.Identifier(owner)))
    if objects:
        print(f"==> {len(objects)} tables, sequences and functions of {database} now belong to {owner}")
PY
        die "could not set up the database roles $PG_OWNER_ROLE and $PG_APP_ROLE (see above)"
}

stop_private_pg() {
    [[ -e $PG_BASE ]] || return 0
    PG_BASE_REAL=$(readlink -f "$PG_BASE")
    PG_DATA=$PG_BASE_REAL/data
    [[ -f $PG_DATA/PG_VERSION ]] || return 0
    PG_VERSION=$(<"$PG_DATA/PG_VERSION")
    PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
    [[ $EUID -eq 0 ]] && PG_OWNER=postgres
    if pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; then
        say "Stopping the private PostgreSQL"
        pg_run pg_ctl -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || warn "pg_ctl stop failed"
    fi
}

# ---------------------------------------------------------------------------------------
# Private Redis
# ---------------------------------------------------------------------------------------
REDIS_DIR=$DATA/redis

# The pid of our Redis, if it runs (the pid file names a live redis-server).
redis_pid() {
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || return 1
    [[ -n $pid && -r /proc/$pid/comm && $(<"/proc/$pid/comm") == redis-server* ]] || return 1
    echo "$pid"
}

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

# Make the private Redis run; sets REDIS_PORT. Reuses a running one.
ensure_private_redis() {
    local port
    port=$(cat "$DATA/redis.port" 2>/dev/null || true)
    if redis_pid >/dev/null && [[ -n $port ]] && redis_ping "$port"; then
        REDIS_SOURCE="private Redis on 127.0.0.1:$port, already running (left running at exit)"
    else
        if [[ -z $port ]] || ! port_free "$port"; then port=$(pick_port "$REDIS_PORT_FROM"); fi
        echo "$port" >"$DATA/redis.port"
        mkdir -p "$REDIS_DIR"
        say "Starting the private Redis on 127.0.0.1:$port"
        redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
            --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" \
            --save '' --appendonly no 9>&- ||
            die "redis-server did not start (log: .data/redis/redis.log)"
        local i
        for ((i = 0; i < 50; i++)); do redis_ping "$port" && break; sleep 0.2; done
        redis_ping "$port" || die "Redis does not answer on port $port (log: .data/redis/redis.log)"
        STARTED_REDIS=1
        REDIS_SOURCE="private Redis on 127.0.0.1:$port, started now (stopped at exit)"
    fi
    REDIS_PORT=$port
}

stop_private_redis() {
    local pid i
    pid=$(redis_pid) || return 0
    say "Stopping the private Redis"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    warn "Redis (pid $pid) did not stop in 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------
# Services: the URLs given, or the private ones
# ---------------------------------------------------------------------------------------
# Ensure the database exists — created by the owner role (MIGRATION_DATABASE_URL) when there are
# two roles — and that both roles can reach it; warn when btree_gist (package
# postgresql-contrib) is not available to it.
check_database() {
    local owner_url=${MIGRATION_DATABASE_URL:-$DATABASE_URL}
    "$PY" - "$owner_url" "$DATABASE_URL" <<'PY' || die "cannot use DATABASE_URL=$(mask_url "$DATABASE_URL") / MIGRATION_DATABASE_URL=$(mask_url "$owner_url") (see above)"
import sys

import dj_database_url
import psycopg
from psycopg import sql


def settings(url):
    cfg = dj_database_url.parse(url)
    conn = {k: v for k, v in {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"],
                              "password": cfg["PASSWORD"]}.items() if v}
    return cfg["NAME"], conn


name, conn = settings(sys.argv[1])
try:
    db = psycopg.connect(dbname=name, connect_timeout=10, **conn)
except psycopg.OperationalError as exc:
    if "does not exist" not in str(exc):
        sys.exit(f"PostgreSQL refused the connection: {exc}")
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **conn) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"==> Created database {name}")
    db = psycopg.connect(dbname=name, connect_timeout=10, **conn)
with db:
    if not db.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'").fetchone():
        print("warning: extension btree_gist is not available (install postgresql-contrib)", file=sys.stderr)
if sys.argv[2] != sys.argv[1]:
    app_name, app_conn = settings(sys.argv[2])
    try:
        psycopg.connect(dbname=app_name, connect_timeout=10, **app_conn).close()
    except psycopg.OperationalError as exc:
        sys.exit(f"The application role of DATABASE_URL cannot connect: {exc}")
PY
}

check_redis() {
    "$PY" - "$REDIS_URL" <<'PY' || die "cannot reach REDIS_URL=$(mask_url "$REDIS_URL")"
import sys

import redis

redis.Redis.from_url(sys.argv[1], socket_connect_timeout=5).ping()
PY
}

# Sets DATABASE_URL and REDIS_URL. For `test`, Redis DB 1 of the private Redis and a
# Celery queue of its own keep the tests away from a `make run` using the same Redis.
start_services() {
    local purpose=$1
    lock_services
    if [[ -n ${DATABASE_URL:-} ]]; then
        DB_SOURCE="DATABASE_URL from the environment (left alone at exit)"
        if [[ -n ${MIGRATION_DATABASE_URL:-} ]]; then
            export MIGRATION_DATABASE_URL
        else
            DB_SOURCE+="; one role (no MIGRATION_DATABASE_URL): the app runs as the table owner"
        fi
    else
        ensure_private_pg
    fi
    if [[ -n ${REDIS_URL:-} ]]; then
        REDIS_SOURCE="REDIS_URL from the environment (left alone at exit)"
    else
        ensure_private_redis
        local db=0; [[ $purpose == test ]] && db=1
        export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/$db"
    fi
    unlock_services
    export DATABASE_URL REDIS_URL
    check_database
    check_redis
}

# ---------------------------------------------------------------------------------------
# App processes of `make run` (each in a session of its own, so that it is stopped as a
# whole group, Celery's pool processes included), and cleanup
# ---------------------------------------------------------------------------------------
RUN_DIR=$DATA/run

# start_app NAME COMMAND...: run in the background, output prefixed with "[NAME] ".
# The prefixing sed ignores SIGINT, so that Ctrl-C does not cut the shutdown messages.
start_app() {
    local name=$1; shift
    (exec setsid "$@" > >(trap '' INT; exec sed -u "s/^/[$name] /") 2>&1) &
    APP_PIDS+=("$!")
    mkdir -p "$RUN_DIR"
    echo "$!" >"$RUN_DIR/$name.pid"
}

# TERM to each process group, up to 20 s to finish (Celery finishes its current task),
# then KILL.
stop_process_groups() {
    (($#)) || return 0
    local pid i alive
    for pid in "$@"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for ((i = 0; i < 80; i++)); do
        alive=0
        for pid in "$@"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        ((alive)) || return 0
        sleep 0.25
    done
    for pid in "$@"; do
        kill -0 -- "-$pid" 2>/dev/null && { warn "process group $pid did not stop; killing it"; kill -KILL -- "-$pid" 2>/dev/null || true; }
    done
}

# Leftovers of a `make run` that was killed without its cleanup (pid files in .data/run
# naming processes that still run from this checkout).
stop_leftover_apps() {
    local file pid pids=()
    for file in "$RUN_DIR"/*.pid; do
        [[ -f $file ]] || continue
        pid=$(<"$file")
        if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$ROOT/"; then
            say "Stopping the leftover $(basename "$file" .pid) (pid $pid)"
            pids+=("$pid")
        fi
        rm -f "$file"
    done
    stop_process_groups "${pids[@]}"
}

# EXIT trap: stop exactly what this invocation started. A second Ctrl-C, or make's
# SIGTERM after ours, must not cut this short and leave services behind.
cleanup() {
    local status=$?
    trap - EXIT
    trap '' INT TERM
    if ((${#APP_PIDS[@]})); then
        say "Stopping the web server, worker and beat"
        stop_process_groups "${APP_PIDS[@]}"
        rm -f "$RUN_DIR"/*.pid
    fi
    ((STARTED_REDIS)) && stop_private_redis
    ((STARTED_PG)) && stop_private_pg
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------
provision() {
    ensure_packages "${APT_PACKAGES[@]}"
    ensure_venv
    export PATH="$VENV/bin:$PATH" PYTHONUNBUFFERED=1
    export DEBUG=1   # local runs only: production (Docker) leaves DEBUG off
}

manage() { "$PY" manage.py "$@"; }

cmd_run() {
    provision
    start_services run
    port_free "$WEB_PORT" || die "127.0.0.1:$WEB_PORT is taken; stop what uses it or run WEB_PORT=8001 make run"
    say "Applying migrations"
    manage migrate --no-input
    if manage help seed_demo >/dev/null 2>&1; then
        say "Loading demo data (seed_demo)"
        manage seed_demo
    else
        warn "manage.py seed_demo does not exist yet: no demo data loaded"
    fi

    local url=http://127.0.0.1:$WEB_PORT
    cat <<EOF

${BOLD}OPC Community — development server${OFF}
  Portal (residents)      $url/portal/
  Admin (staff)           $url/admin/
  Notice board (public)   $url/notices/
  API docs                $url/api/docs/
  Database   $(mask_url "$DATABASE_URL")$([[ -n ${MIGRATION_DATABASE_URL:-} ]] && printf '  (application role)\n             %s  (owner: migrations, demo data)' "$(mask_url "$MIGRATION_DATABASE_URL")")
             $DB_SOURCE
  Redis      $(mask_url "$REDIS_URL")
             $REDIS_SOURCE
  Celery     worker (queue ${CELERY_QUEUE:-opc}, concurrency 2) and beat
  Emails are printed here (console backend). Press Ctrl-C to stop everything.

EOF
    start_app worker celery -A opc_community worker -l info --concurrency 2
    start_app beat celery -A opc_community beat -l info --schedule "$DATA/celerybeat-schedule"
    start_app web "$PY" manage.py runserver "127.0.0.1:$WEB_PORT"

    # Say when the site answers; then wait until Ctrl-C or until one of the three exits.
    local i
    for ((i = 0; i < 60; i++)); do
        if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url/admin/login/" 2>/dev/null; then
            say "${GREEN}Ready:${OFF} $url/portal/  (Ctrl-C stops everything)"
            break
        fi
        sleep 0.5
    done
    ((i < 60)) || warn "the site does not answer on $url yet; see the [web] lines above"
    local status=0
    wait -n "${APP_PIDS[@]}" || status=$?
    warn "a process of the app exited (status $status); stopping the rest"
    exit $((status ? status : 1))
}

cmd_test() {
    provision
    start_services test
    # A queue of its own: a `make run` worker on the same Redis never takes the tests' tasks.
    export CELERY_QUEUE=opc-test-$$
    say "Database $(mask_url "$DATABASE_URL") — $DB_SOURCE"
    [[ -z ${MIGRATION_DATABASE_URL:-} ]] || say "         owner role (pytest creates and uses its test database as it): $(mask_url "$MIGRATION_DATABASE_URL")"
    say "Redis    $(mask_url "$REDIS_URL") — $REDIS_SOURCE; Celery queue $CELERY_QUEUE"

    # Every step runs, so that one run shows all problems; the exit status is non-zero
    # if any failed. pytest's "no tests collected" (status 5) is reported, not failed.
    local -a names=() results=()
    run_step() {
        local name=$1 started=$SECONDS status=0; shift
        say "$name"
        "$@" || status=$?
        if [[ $name == pytest* && $status -eq 5 ]]; then
            warn "pytest collected no tests"; status=0
        fi
        names+=("$name")
        results+=("$( ((status)) && echo "${RED}FAILED${OFF} (exit $status)" || echo "${GREEN}ok${OFF}") in $((SECONDS - started)) s")
        return 0
    }
    run_step "ruff check ." ruff check .
    # The dependency direction between the apps (pyproject.toml [tool.importlinter], docs/architecture.md).
    run_step "lint-imports" lint-imports --no-cache
    # Types (pyproject.toml [tool.mypy]): strict for the rules modules and opc_community/workdays.
    run_step "mypy" mypy
    run_step "makemigrations --check" manage makemigrations --check --dry-run
    run_step "pytest $*" pytest "$@"

    local i failed=0
    echo
    echo "${BOLD}Summary${OFF}"
    for i in "${!names[@]}"; do
        printf '  %-28s %s\n' "${names[$i]}" "${results[$i]}"
        [[ ${results[$i]} == *FAILED* ]] && failed=1
    done
    return "$failed"
}

cmd_lint() {
    ensure_venv
    "$VENV/bin/ruff" check .
    "$VENV/bin/lint-imports" --no-cache
    "$VENV/bin/mypy"
}

cmd_migrate() {
    provision
    start_services run
    manage migrate --no-input
}

cmd_shell() {
    provision
    start_services run
    manage shell
}

# Extract messages for Chinese and English, then compile every .mo (gettext needed here
# only; the compiled .mo files are committed, so running the site needs no gettext).
cmd_messages() {
    ensure_packages gettext
    ensure_venv
    export DEBUG=1
    local ignore=(--ignore=.venv --ignore=.data --ignore=node_modules --ignore=tests --ignore=bench)
    # English is the source language (msgids); only the Chinese catalogues need filling.
    manage makemessages -l zh_Hans "${ignore[@]}"
    manage compilemessages "${ignore[@]}"
}

cmd_stop() {
    stop_leftover_apps
    lock_services
    stop_private_redis
    stop_private_pg
    unlock_services
}

cmd_clean_data() {
    cmd_stop
    local target
    if [[ -L $DATA/pg ]]; then
        target=$(readlink "$DATA/pg")
        [[ $target == /var/tmp/opc-community-* ]] && { say "Removing $target"; rm -rf "$target"; }
    fi
    say "Removing .data"
    rm -rf "$DATA"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
}

command=${1:-}
(($#)) && shift
case $command in
    run) cmd_run ;;
    test) cmd_test "$@" ;;
    lint) cmd_lint ;;
    migrate) cmd_migrate ;;
    shell) cmd_shell ;;
    messages) cmd_messages ;;
    stop) cmd_stop ;;
    clean-data) cmd_clean_data ;;
    *) usage ;;
esac
