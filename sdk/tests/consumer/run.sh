#!/usr/bin/env bash
# Packaging test: builds the SDK alone (static, then shared), installs it into a scratch prefix,
# and builds and runs a separate project that uses it through find_package(gatehouse-sdk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sdk=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
expected='https://auth.example.test/oauth/authorize?response_type=code&client_id=skc_123&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback&scope=openid%20profile%20email&state=s%20t&organization_id=org_1'
for kind in static shared; do
  shared=OFF; [ "$kind" = shared ] && shared=ON
  cmake -S "$sdk" -B "$work/sdk-$kind" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=$shared \
    "${launcher[@]}" >/dev/null
  cmake --build "$work/sdk-$kind" >/dev/null
  cmake --install "$work/sdk-$kind" --prefix "$work/prefix-$kind" >/dev/null
  cmake -S "$here" -B "$work/app-$kind" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix-$kind" "${launcher[@]}" >/dev/null
  cmake --build "$work/app-$kind" >/dev/null
  out=$(LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/app-$kind/consumer")
  if [ "$out" != "$expected"$'\n'"pkce ok" ]; then
    echo "consumer ($kind): unexpected output:" >&2
    echo "$out" >&2
    exit 1
  fi
  ls "$work/prefix-$kind/include/gatehouse/sdk.h" "$work/prefix-$kind/lib/cmake/gatehouse-sdk/gatehouse-sdk-config.cmake" >/dev/null
  echo "consumer ($kind): ok"
done
