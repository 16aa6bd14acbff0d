#!/bin/sh
# push_pg_bench: push_bench with the PostgreSQL and Node.js stack (--app pg).
exec "$(dirname "$0")/push_bench" --app pg "$@"
