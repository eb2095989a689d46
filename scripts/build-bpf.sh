#!/usr/bin/env bash
# Compiles every bpf/*.bpf.c into bpf/.output/<name>.bpf.o, CO-RE against the
# running kernel's BTF.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bpf/.output
mkdir -p "$out"
btf=${BPFAUDIT_BTF:-/sys/kernel/btf/vmlinux}
if [ ! -r "$btf" ]; then
  echo "build-bpf: no kernel BTF at $btf; bpfaudit needs a kernel built with CONFIG_DEBUG_INFO_BTF" >&2
  exit 1
fi
if [ ! -s "$out/vmlinux.h" ] || [ "$btf" -nt "$out/vmlinux.h" ]; then
  bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
  mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
fi
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
for src in bpf/*.bpf.c; do
  obj="$out/$(basename "$src" .c).o"
  if [ "$obj" -nt "$src" ] && [ "$obj" -nt bpf/events.h ] && [ "$obj" -nt bpf/common.bpf.h ]; then
    continue
  fi
  clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_"$arch" \
    -I"$out" -Ibpf -c "$src" -o "$obj"
done
