#!/bin/sh
# Fails when an #include in src/ crosses the layer table of ARCHITECTURE.md the wrong way,
# or when a third-party header is included outside the layer that wraps it.
# usage: check_layers.sh SRC_DIR
set -eu
src=${1:?usage: check_layers.sh SRC_DIR}

# layer: the layers it may include (itself included).
allowed() {
  case $1 in
    util)   echo "util" ;;
    spec)   echo "spec util" ;;
    host)   echo "host spec util" ;;
    compat) echo "compat spec host util" ;;
    plan)   echo "plan compat spec host util" ;;
    render) echo "render plan compat spec host util" ;;
    engine) echo "engine util" ;;
    store)  echo "store util" ;;
    backend)  echo "backend render plan compat spec host util" ;;
    backends) echo "backends backend engine store render plan compat spec host util" ;;
    ops)    echo "ops backend render plan compat spec host util" ;;
    cli)    echo "cli ops backends backend render plan compat spec host util" ;;
    *)      echo "" ;;
  esac
}
# third-party header prefix: the layers that may include it.
third_party() {
  case $1 in
    toml++)   echo "spec" ;;
    curl)     echo "engine" ;;
    archive*) echo "engine" ;;
    sqlite3*) echo "store" ;;
    nlohmann) echo "engine compat host render cli" ;;
    CLI)      echo "cli" ;;
    openssl)  echo "util" ;;
    *)        echo "*" ;;
  esac
}

status=0
for dir in "$src"/*/; do
  layer=$(basename "$dir")
  ok=$(allowed "$layer")
  if [ -z "$ok" ]; then
    echo "layering: $dir is not a layer in the table (tests/check_layers.sh, ARCHITECTURE.md)"
    status=1
    continue
  fi
  # Every file of the layer, in subfolders too (a layer may group its files in folders).
  for file in $(find "$dir" -type f \( -name '*.hpp' -o -name '*.cpp' \) | sort); do
    # Project includes: "layer/file.hpp"
    for target in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$file" | sort -u); do
      case " $ok " in
        *" $target "*) ;;
        *) echo "layering: $file includes $target/, but $layer may only use: $ok"; status=1 ;;
      esac
    done
    # Third-party includes: <prefix/...> or <prefix.h>
    for header in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$file" | sort -u); do
      prefix=${header%%/*}
      owners=$(third_party "$prefix")
      [ "$owners" = "*" ] && continue
      case " $owners " in
        *" $layer "*) ;;
        *) echo "layering: $file includes <$header>, which only $owners may use"; status=1 ;;
      esac
      # and never in a header of the wrapping layer
      case $file in
        *.hpp) echo "layering: header $file includes third-party <$header>; keep it in a .cpp"; status=1 ;;
      esac
    done
  done
done
[ $status -eq 0 ] && echo "layering: ok"
exit $status
