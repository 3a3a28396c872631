#!/usr/bin/env bash
# Checks the deployment files without a Docker engine:
#  - shell syntax of the scripts;
#  - docker-compose.yml against the Compose specification's JSON schema
#    (the copy vendored by the check-jsonschema package, from PyPI);
#  - the systemd unit with `systemd-analyze verify` (skipped, with a message,
#    where systemd-analyze is missing);
#  - the Dockerfile builds through deploy/build.sh, runs as a non-root user
#    and has a health check;
#  - with --build: deploy/build.sh itself (PROFILE=dev reuses the test build).
set -euo pipefail
cd "$(dirname "$0")/.."

ok() { printf 'ok: %s\n' "$*"; }
skip() { printf 'skipped: %s\n' "$*"; }

bash -n deploy/build.sh deploy/check.sh .ci/run
ok "shell syntax"

if ! command -v check-jsonschema >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check check-jsonschema
fi
check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml
ok "docker-compose.yml matches the Compose specification"

grep -q 'deploy/build.sh' deploy/Dockerfile
grep -q '^USER ' deploy/Dockerfile
grep -q '^HEALTHCHECK ' deploy/Dockerfile
! grep -q '^USER root' deploy/Dockerfile
ok "Dockerfile builds with deploy/build.sh, runs unprivileged, has a health check"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ "${1:-}" == "--build" ]]; then
  PROFILE="${PROFILE:-release}" deploy/build.sh "$tmp/out"
  ok "deploy/build.sh"
fi

if command -v systemd-analyze >/dev/null; then
  # verify wants ExecStart to exist: point it at a stand-in binary.
  bin="$tmp/out/bin/spotify-error-bot"
  [[ -x "$bin" ]] || { mkdir -p "$(dirname "$bin")"; printf '#!/bin/sh\n' >"$bin"; chmod +x "$bin"; }
  sed "s#/usr/local/bin/spotify-error-bot#$bin#" deploy/spotify-error-bot.service \
    >"$tmp/spotify-error-bot.service"
  out=$(systemd-analyze verify "$tmp/spotify-error-bot.service" 2>&1 || true)
  # Lines about the host's own units are not ours.
  ours=$(printf '%s\n' "$out" | grep 'spotify-error-bot' || true)
  if [[ -n "$ours" ]]; then
    printf '%s\n' "$ours" >&2
    exit 1
  fi
  ok "systemd unit (systemd-analyze verify)"
else
  skip "systemd-analyze is not installed"
fi
