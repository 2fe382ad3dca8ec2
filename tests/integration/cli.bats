#!/usr/bin/env bats
# The command line every command shares: global options, errors and exit
# codes, help, version, man pages and completion, all from one table.

load ../lib/common

setup() {
  common_setup
}

@test "--version and -v print the version" {
  run lilipod --version
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^lilipod\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
  run lilipod -v
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^lilipod\ version ]]
}

@test "version names this build and every library" {
  run lilipod version
  [ "$status" -eq 0 ]
  for field in Version Built OS/Arch libfuse libcurl mbedTLS zstd zlib cJSON SQLite; do
    grep -q "^$field: " <<<"$output" || { echo "missing $field in: $output"; false; }
  done
  grep -q "^OS/Arch: *linux/" <<<"$output"
}

@test "no command: help on stderr, an error and exit 125" {
  run --separate-stderr lilipod
  [ "$status" -eq 125 ]
  [ -z "$output" ]
  [[ "$stderr" == *"Error: missing command 'lilipod COMMAND'"* ]]
}

@test "unknown command, flag and shorthand fail with 125 and say which" {
  run --separate-stderr lilipod frobnicate
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"unrecognized command"*"frobnicate"* ]]
  run --separate-stderr lilipod version --nope
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"Error: unknown flag: --nope"* ]]
  [ -z "$output" ]
  run --separate-stderr lilipod version -x
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"unknown shorthand flag: 'x' in -x"* ]]
  run --separate-stderr lilipod --bogus version
  [ "$status" -eq 125 ]
}

@test "missing and extra arguments are errors, never help with exit 0" {
  run --separate-stderr lilipod completion
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"accepts 1 arg(s), received 0"* ]]
  run --separate-stderr lilipod version extra
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"accepts 0 arg(s), received 1"* ]]
  run --separate-stderr lilipod completion tcsh
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"unsupported shell"* ]]
}

@test "--log-level is accepted before and after the command, and checked" {
  run lilipod --log-level debug version
  [ "$status" -eq 0 ]
  run lilipod --log-level=error version
  [ "$status" -eq 0 ]
  run lilipod version --log-level debug
  [ "$status" -eq 0 ]
  run --separate-stderr lilipod --log-level loud version
  [ "$status" -eq 125 ]
  [[ "$stderr" == *'log level "loud" is not supported'* ]]
}

@test "help, --help and help COMMAND print usage and exit 0" {
  run lilipod --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Available Commands:"* ]]
  [[ "$output" == *"--log-level"* ]]
  run lilipod help version
  [ "$status" -eq 0 ]
  [[ "$output" == *"lilipod version [options]"* ]]
  run lilipod version --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage:"* ]]
  run lilipod help nosuch
  [ "$status" -eq 125 ]
}

@test "hidden commands stay out of help and completion" {
  run lilipod --help
  [[ "$output" != *"__man"* ]]
  run lilipod completion bash
  [[ "$output" != *"__man"* ]]
}

# Commands as help lists them.
listed_commands() {
  lilipod --help | sed -n '/^Available Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'
}

@test "every command has a man page that renders cleanly" {
  lilipod __man "$BATS_TEST_TMPDIR/man"
  [ -f "$BATS_TEST_TMPDIR/man/lilipod.1" ]
  for cmd in $(listed_commands); do
    page="$BATS_TEST_TMPDIR/man/lilipod-$cmd.1"
    [ -f "$page" ] || { echo "no man page for $cmd"; false; }
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$warnings" ] || { echo "$page: $warnings"; false; }
  done
}

@test "help, man pages and completion list the same options" {
  lilipod __man "$BATS_TEST_TMPDIR/man"
  lilipod completion bash >"$BATS_TEST_TMPDIR/lilipod.bash"
  for cmd in $(listed_commands); do
    flags=$(lilipod "$cmd" --help | sed -n '/^Options:/,$p' | grep -o -- '--[a-z][a-z-]*' | sort -u)
    [ -n "$flags" ]
    for flag in $flags; do
      grep -qF -- "${flag//-/\\-}" "$BATS_TEST_TMPDIR/man/lilipod-$cmd.1" ||
        { echo "man page of $cmd lacks $flag"; false; }
      grep "^  \[\"lilipod $cmd\"\]=" "$BATS_TEST_TMPDIR/lilipod.bash" | head -1 | grep -q -- "$flag " ||
        { echo "bash completion of $cmd lacks $flag"; false; }
    done
  done
}

# Ask the bash completion what it offers for a command line.
complete_bash() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lilipod; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$BATS_TEST_TMPDIR/lilipod.bash" "$@"
}

@test "bash completion offers commands, flags and flag values" {
  lilipod completion bash >"$BATS_TEST_TMPDIR/lilipod.bash"
  run complete_bash lilipod comp
  [ "$output" = "completion" ]
  run complete_bash lilipod ver
  [ "$output" = "version" ]
  run complete_bash lilipod version --lo
  [ "$output" = "--log-level" ]
  run complete_bash lilipod --log-level de
  [ "$output" = "debug" ]
  run complete_bash lilipod completion f
  [ "$output" = "fish" ]
  run complete_bash lilipod --log-level info ve
  [ "$output" = "version" ]
}

@test "zsh and fish completion scripts are valid for their shells" {
  command -v zsh >/dev/null || { echo "zsh is missing: install it (scripts/deps does)"; false; }
  command -v fish >/dev/null || { echo "fish is missing: install it (scripts/deps does)"; false; }
  lilipod completion zsh >"$BATS_TEST_TMPDIR/_lilipod"
  zsh -n "$BATS_TEST_TMPDIR/_lilipod"
  lilipod completion fish >"$BATS_TEST_TMPDIR/lilipod.fish"
  fish -n "$BATS_TEST_TMPDIR/lilipod.fish"
  # fish really offers the commands from the table.
  run fish -c "source $BATS_TEST_TMPDIR/lilipod.fish; complete -C 'lilipod vers'"
  [[ "$output" == version* ]]
}
