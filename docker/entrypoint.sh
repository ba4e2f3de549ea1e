#!/bin/sh
# Every service starts through here. MIGRATE=1 (the `migrate` one-shot service) applies migrations first.
set -e
if [ "${MIGRATE:-0}" = "1" ]; then
  python manage.py migrate --noinput
fi
exec "$@"
