#!/usr/bin/env bash
# Start the local PostgreSQL cluster when the tests target it and it is not answering.
set -euo pipefail
url="${CUSTODY_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
case "$url" in *@127.0.0.1:5432/*|*@localhost:5432/*) ;; *) exit 0 ;; esac
pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
fi
echo "PostgreSQL is not answering on 127.0.0.1:5432 (set CUSTODY_TEST_DATABASE_URL)" >&2
exit 1
