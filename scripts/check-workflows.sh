#!/usr/bin/env bash
# Lints the CI workflows (.github/workflows/*.yml) with actionlint: syntax, expressions, runner
# labels, action inputs, and shellcheck over every `run:` block. actionlint comes from the Go
# module proxy (`go install`, into target/tools/bin), shellcheck from Debian.
#
#   scripts/check-workflows.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ACTIONLINT_VERSION=v1.7.12
TOOLS="$CARGO_TARGET_DIR/tools/bin"
command -v shellcheck >/dev/null || ensure_apt shellcheck
if ! "$TOOLS/actionlint" -version 2>/dev/null | grep -q "${ACTIONLINT_VERSION#v}"; then
    command -v go >/dev/null || ensure_apt golang-go
    log "installing actionlint $ACTIONLINT_VERSION (go install)"
    GOBIN="$TOOLS" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
"$TOOLS/actionlint" -no-color .github/workflows/*.yml
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflow(s), no problem"
