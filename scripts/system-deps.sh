#!/usr/bin/env bash
# Debian packages for the optional checks. Never fails the caller: what cannot be installed is
# reported loudly, and the tests that need it skip with their own loud message.
#   scripts/system-deps.sh           pciutils (tests decode exported dumps with the real lspci -F)
#   scripts/system-deps.sh --oracle  also QEMU, the Debian kernel and busybox, to make new oracle
#                                    captures with ../shared/oracle/capture.sh
set -uo pipefail
pkgs=()
command -v lspci >/dev/null 2>&1 || pkgs+=(pciutils)
if [ "${1:-}" = "--oracle" ]; then
  command -v qemu-system-x86_64 >/dev/null 2>&1 || pkgs+=(qemu-system-x86)
  ls /boot/vmlinuz-* >/dev/null 2>&1 || pkgs+=(linux-image-amd64)
  [ -x /bin/busybox ] || pkgs+=(busybox-static)
fi
[ ${#pkgs[@]} -eq 0 ] && { echo "system-deps: nothing to install"; exit 0; }
if ! command -v apt-get >/dev/null 2>&1; then
  echo "*** system-deps: no apt-get here; install ${pkgs[*]} by hand or the checks that need them will SKIP ***" >&2
  exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    echo "*** system-deps: not root and no password-less sudo; install ${pkgs[*]} by hand or the checks that need them will SKIP ***" >&2
    exit 0
  fi
fi
echo "system-deps: installing ${pkgs[*]}"
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } >/tmp/system-deps.log 2>&1; then
  echo "*** system-deps: apt-get failed (log: /tmp/system-deps.log); the checks that need ${pkgs[*]} will SKIP ***" >&2
  tail -5 /tmp/system-deps.log >&2
fi
exit 0
