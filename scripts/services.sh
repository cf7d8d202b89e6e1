#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the test suite, on 127.0.0.1 only, and
# bubblewrap and libseccomp for the sandbox tests (tests/sandbox).
#
#   scripts/services.sh start   install if missing (root + apt), start, write .services/env
#   scripts/services.sh stop    stop both and delete their data
#   scripts/services.sh env     print the URLs of running servers
#
# `start` also installs Debian's chromium (root + apt) for the dashboard's browser tests.
# .services/env holds IMMUNO_TEST_POSTGRES_URL and IMMUNO_TEST_REDIS_URL; the tests
# read it. Without root and without the binaries, `start` says so and exits 0 (the
# PostgreSQL tests then skip) unless CI is set, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.services
ENV_FILE=$STATE/env
WAIT=60  # tries of 0.5 s each

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

pg_bindir() {
    local dir
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

apt_install() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
    say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq >&2 || return 1
        APT_UPDATED=1
    fi
    # Debian starts packaged services on install; they are not ours, so don't.
    local policy=/usr/sbin/policy-rc.d created=""
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy && created=1
    fi
    local ok=0
    apt-get install -y -qq --no-install-recommends "$@" >"$STATE/apt.log" 2>&1 || ok=1
    [ -z "$created" ] || rm -f $policy
    [ $ok = 0 ] || cat "$STATE/apt.log" >&2
    return $ok
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_owner() {  # PostgreSQL refuses to run as root: use the packaged postgres user
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

running() {
    [ -f "$ENV_FILE" ] || return 1
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    local ok=0
    if [ -n "${IMMUNO_TEST_POSTGRES_URL:-}" ]; then
        "$(cat $STATE/pg_bin)/pg_isready" -q -d "$IMMUNO_TEST_POSTGRES_URL" || ok=1
    fi
    if [ -n "${IMMUNO_TEST_REDIS_URL:-}" ]; then
        redis-cli -u "$IMMUNO_TEST_REDIS_URL" ping >/dev/null 2>&1 || ok=1
    fi
    return $ok
}

start_postgres() {
    local bin data port tries=0
    bin=$(pg_bindir) || true
    if [ -z "$bin" ]; then
        apt_install postgresql || return 1
        bin=$(pg_bindir) || return 1
    fi
    data=$(mktemp -d /tmp/immuno-pg.XXXXXX)
    as_owner true  # creates the postgres user when root has none
    [ "$(id -u)" != 0 ] || chown postgres: "$data"
    port=$(free_port)
    echo "$data" >$STATE/pg_data
    echo "$bin" >$STATE/pg_bin
    as_owner "$bin/initdb" -D "$data/db" -U immuno --auth=trust -E UTF8 --no-locale >"$data/initdb.log" 2>&1 \
        || { cat "$data/initdb.log" >&2; return 1; }
    # A test server: durability off buys speed, the data is thrown away anyway.
    as_owner "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 30 -s \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start || { cat "$data/server.log" >&2; return 1; }
    until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ $tries -lt $WAIT ] || { cat "$data/server.log" >&2; return 1; }
        sleep 0.5
    done
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U immuno immuno_test || return 1
    echo "IMMUNO_TEST_POSTGRES_URL=postgresql://immuno@127.0.0.1:$port/immuno_test" >>"$ENV_FILE"
    say "PostgreSQL on 127.0.0.1:$port (data in $data)"
}

start_redis() {
    local dir port tries=0
    command -v redis-server >/dev/null || apt_install redis-server || return 1
    dir=$(mktemp -d /tmp/immuno-redis.XXXXXX)
    port=$(free_port)
    echo "$dir" >$STATE/redis_dir
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || return 1
    until redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ $tries -lt $WAIT ] || { cat "$dir/redis.log" >&2; return 1; }
        sleep 0.5
    done
    echo "IMMUNO_TEST_REDIS_URL=redis://127.0.0.1:$port/0" >>"$ENV_FILE"
    say "Redis on 127.0.0.1:$port"
}

sandbox_tools() {  # no server: the sandboxed-tool tests need the binaries only
    if command -v bwrap >/dev/null && ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then
        return 0
    fi
    apt_install bubblewrap libseccomp2
}

stop() {
    if [ -f $STATE/pg_data ]; then
        local data
        data=$(cat $STATE/pg_data)
        if [ -d "$data/db" ]; then
            as_owner "$(cat $STATE/pg_bin)/pg_ctl" -D "$data/db" -m fast -w -t 30 -s stop || true
        fi
        rm -rf "$data"
    fi
    if [ -f $STATE/redis_dir ]; then
        local dir
        dir=$(cat $STATE/redis_dir)
        [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
        rm -rf "$dir"
    fi
    rm -rf $STATE
}

start_chromium() {  # the dashboard's browser tests (tests/dashboard/test_browser.py)
    command -v chromium >/dev/null && return 0
    apt_install chromium || say "chromium unavailable: the dashboard's browser tests will skip"
}

start() {
    mkdir -p $STATE
    start_chromium
    if running; then
        say "already running ($ENV_FILE)"
        return 0
    fi
    stop
    mkdir -p $STATE
    : >"$ENV_FILE"
    if ! sandbox_tools; then
        [ -z "${CI:-}" ] || die "could not install bubblewrap"
        say "bubblewrap unavailable: the sandbox tests will skip"
    fi
    if ! start_postgres || ! start_redis; then
        if [ -n "${CI:-}" ] || [ "$(id -u)" = 0 ]; then
            stop
            die "could not start the test servers"
        fi
        stop
        say "PostgreSQL/Redis unavailable (not root, not installed): their tests will skip"
        return 0
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) [ -f "$ENV_FILE" ] && cat "$ENV_FILE" ;;
    *) die "usage: $0 start|stop|env" ;;
esac
