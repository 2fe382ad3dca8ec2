bats_require_minimum_version 1.5.0

# Shared helpers for the bats integration tests.
#
# Every test gets its own LILIPOD_HOME under $BATS_TEST_TMPDIR, so tests never
# see each other's images or containers.

: "${LILIPOD:?LILIPOD is not set: run the integration tests through ctest (tests/run-bats)}"

common_setup() {
  export LILIPOD_HOME="$BATS_TEST_TMPDIR/home"
  export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
  mkdir -p "$XDG_CONFIG_HOME"
}

# Load the registry harness's environment, or fail saying what is missing.
require_registry() {
  if [ -z "${LILIPOD_TEST_ENV:-}" ] || [ ! -r "$LILIPOD_TEST_ENV" ]; then
    echo "the test registry is not running: LILIPOD_TEST_ENV must name registry.env" \
         "(start it with tests/fixtures/registry.sh start DIR, or run ./scripts/test)" >&2
    return 1
  fi
  # shellcheck disable=SC1090
  source "$LILIPOD_TEST_ENV"
}

lilipod() {
  "$LILIPOD" "$@"
}

# need HELPER: fail, naming it, when the helper is not installed.
need() {
  local pkg=$1
  [ "$1" = pasta ] && pkg=passt
  if ! command -v "$1" >/dev/null; then
    echo "this test needs $1 (Debian package $pkg; scripts/deps installs it)" >&2
    return 1
  fi
}
