#!/usr/bin/env bash
# The Kotlin jar as a user consumes it: dist/kotlin's jar and pom installed with the README's
# `mvn install:install-file` (into the local Maven repository), a new Maven project outside the
# checkout depending on com.renderiq:renderiq-kotlin with the README's Kotlin quick start as its
# main, compiled and run against the reference server on 127.0.0.1:8787. The jar on the
# project's classpath must be byte for byte the one in dist/, and the JVM gets no
# jna.library.path: the native library must load from the jar's linux-x86-64/ folder.
#
#   scripts/release/test-kotlin.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../release-lib.sh"
cd "$REPO_ROOT"

command -v mvn >/dev/null || ensure_apt maven
jar="$DIST/kotlin/renderiq-kotlin-$RELEASE_VERSION.jar"
pom="$DIST/kotlin/renderiq-kotlin-$RELEASE_VERSION.pom"
if [ ! -f "$jar" ] || [ ! -f "$pom" ]; then
    echo "!! expected $jar and $pom: run scripts/release.sh kotlin" >&2
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-qs-kotlin.XXXXXX")"
trap 'qs_stop_server; rm -rf "$WORK"' EXIT

log "the jar's layout"
python3 - "$jar" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for want in ("linux-x86-64/librenderiq_uniffi.so", "com/renderiq/sdk/Client.class",
             "com/renderiq/sdk/FlowsKt.class"):
    assert want in names, f"{want} missing from the jar"
    print(f"  {want}")
PY

log "mvn install:install-file (as the README says)"
mvn -B -q install:install-file -Dfile="$jar" -DpomFile="$pom" >/dev/null

qs_extract kotlin "$WORK/snippets" >/dev/null
programs=("$WORK"/snippets/*.kt)
[ -f "${programs[0]}" ] || { echo "no Kotlin quick start found in the READMEs" >&2; exit 1; }

app="$WORK/app"
mkdir -p "$app/src/main/kotlin"
kotlin_version="$(pom_property "$pom" kotlin.version)"
cat >"$app/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>quickstart</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <kotlin.compiler.jvmTarget>17</kotlin.compiler.jvmTarget>
  </properties>
  <dependencies>
    <dependency>
      <groupId>com.renderiq</groupId>
      <artifactId>renderiq-kotlin</artifactId>
      <version>$RELEASE_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <sourceDirectory>src/main/kotlin</sourceDirectory>
    <plugins>
      <plugin>
        <groupId>org.jetbrains.kotlin</groupId>
        <artifactId>kotlin-maven-plugin</artifactId>
        <version>$kotlin_version</version>
        <executions><execution><id>compile</id><goals><goal>compile</goal></goals></execution></executions>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
POM

exec 9>/tmp/qs8787.lock && flock 9   # one quick-start server on 8787 at a time
qs_start_server "$WORK"
passed=0
for program in "${programs[@]}"; do
    log "Kotlin quick start ${program##*/}"
    rm -f "$app"/src/main/kotlin/*.kt
    cp "$program" "$app/src/main/kotlin/QuickStart.kt"
    mvn -B -q -f "$app/pom.xml" compile dependency:build-classpath \
        -Dmdep.outputFile="$app/classpath.txt" >"$WORK/mvn.log" 2>&1 || { cat "$WORK/mvn.log" >&2; exit 1; }
    # The user's classpath holds the jar from dist/ (installed), not the checkout's classes.
    used="$(tr ':' '\n' <"$app/classpath.txt" | grep '/renderiq-kotlin-[^/]*\.jar$' || true)"
    if [ -z "$used" ] || ! cmp -s "$used" "$jar"; then
        echo "the quick start's classpath holds '${used:-no renderiq-kotlin jar}', not $jar" >&2
        exit 1
    fi
    (cd "$WORK" && java -cp "$app/target/classes:$(cat "$app/classpath.txt")" QuickStartKt) |
        tee "$WORK/out.txt"
    grep -q '^100% ' "$WORK/out.txt" || { echo "the quick start printed no 100% progress line" >&2; exit 1; }
    [ -s "$WORK/render.png" ] || { echo "the quick start wrote no render.png" >&2; exit 1; }
    file "$WORK/render.png" 2>/dev/null || true
    rm -f "$WORK/render.png"
    passed=$((passed + 1))
done
echo "kotlin quick starts: $passed passed"
