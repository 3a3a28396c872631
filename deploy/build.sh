#!/usr/bin/env bash
# Builds the bot and lays out what an installation needs under OUT:
#   OUT/bin/spotify-error-bot
#   OUT/share/spotify-error-bot/catalogue/*.toml
# then smoke-tests the result. The Dockerfile runs this script, and CI runs
# it too (deploy/check.sh --build), so the image's build steps are proven on
# every change even where no Docker engine runs.
#
# Environment: PROFILE=release (default) or dev; FEATURES="" by default
# (comma-separated cargo features).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: deploy/build.sh OUT_DIR}"
profile="${PROFILE:-release}"
features="${FEATURES:-}"

args=(build --locked --profile "$profile")
[[ -n "$features" ]] && args+=(--features "$features")
cargo "${args[@]}"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$profile" in
  dev) bin="$target_dir/debug/spotify-error-bot" ;;
  *) bin="$target_dir/$profile/spotify-error-bot" ;;
esac

mkdir -p "$out/bin" "$out/share/spotify-error-bot/catalogue"
install -m 0755 "$bin" "$out/bin/spotify-error-bot"
rm -f "$out/share/spotify-error-bot/catalogue/"*.toml
install -m 0644 catalogue/*.toml "$out/share/spotify-error-bot/catalogue/"

# Smoke test: the installed binary validates the installed catalogue and
# answers a real error.
"$out/bin/spotify-error-bot" --catalogue "$out/share/spotify-error-bot/catalogue" catalogue check
"$out/bin/spotify-error-bot" --catalogue "$out/share/spotify-error-bot/catalogue" \
  ask "A firewall may be blocking Spotify. (Error code: 17 / accesspoint:17)" | grep -q "accesspoint:17"
echo "built into $out"
