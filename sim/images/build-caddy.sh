#!/usr/bin/env bash
# Builds a stand-in for the Caddy image the host's proxy runs (the name infra/host/caddy.ts pins),
# for machines that cannot reach Docker Hub. It is made from real parts and laid out like the
# official image:
#   - a Debian rootfs made by debootstrap (minbase), shared with build-node.sh,
#   - Debian's `caddy` package, whose version must be the one the tag names: taken from Debian
#     testing (forky, 2.11.4 there; bookworm and trixie have only 2.6.2), pinned so that nothing
#     else comes from forky (its binary is static Go; Depends are met by bookworm's libc),
#   - ca-certificates from bookworm (the official image carries both),
#   - the official image's environment: XDG_CONFIG_HOME=/config, XDG_DATA_HOME=/data, WORKDIR
#     /srv, ports 80, 443 and 2019, and its CMD (caddy run with /etc/caddy/Caddyfile).
# It is tagged with exactly the name berth pins, so nothing in berth needs a test branch.
# An image of that name that is already present is reused (stand-in or real), unless --force.
#
# Usage: sim/images/build-caddy.sh [--force]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_STANDIN_CACHE:-/var/cache/berth-standins}
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
caddy_suite=${BERTH_CADDY_SUITE:-forky}

image=$(sed -n "s/^export const CADDY_IMAGE = '\\(.*\\)';$/\\1/p" "$repo/infra/host/caddy.ts")
if [[ ! $image =~ ^caddy:([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
  echo "build-caddy.sh: infra/host/caddy.ts's CADDY_IMAGE '$image' is not of the form caddy:X.Y.Z" >&2
  exit 1
fi
version=${BASH_REMATCH[1]}

# shellcheck source=sim/images/lib.sh
. "$here/lib.sh"
reuse_or_pull "$image" "${1:-}"

base_tar=$(minbase_tar "$cache" "$suite" "$mirror")

work=$(mktemp -d)
root="$work/rootfs"
# shellcheck disable=SC2064
trap "umount -l '$root/proc' 2>/dev/null || true; rm -rf '$work'" EXIT
mkdir "$root"
tar -C "$root" -xf "$base_tar"
echo "stand-in: Debian $caddy_suite's caddy and $suite's ca-certificates (in a chroot)"
chroot_apt_pin "$root" "$caddy_suite" caddy
# Debian testing's Release file is valid for a week only; a mirror that lags (as this machine's
# does) serves one past that date. Its signature is still checked; only the date is not.
chroot_apt_install "$root" "$cache/caddy-apt.log" \
  "deb $mirror $suite main"$'\n'"deb [check-valid-until=no] $mirror $caddy_suite main" caddy ca-certificates || exit 1
got=$(chroot "$root" caddy version | awk '{print $1}')
got=${got#v}
if [[ $got != "$version" ]]; then
  echo "build-caddy.sh: Debian's caddy is $got, but berth pins $image; a stand-in must be the version it stands for" >&2
  exit 1
fi
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d" "$root"/var/log/apt/* "$root/etc/apt/preferences.d/berth-$caddy_suite"
: >"$root/etc/resolv.conf"
mkdir -p "$root/config" "$root/data" "$root/srv"

tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV XDG_CONFIG_HOME=/config' -c 'ENV XDG_DATA_HOME=/data' \
  -c 'WORKDIR /srv' -c 'EXPOSE 80 443 2019' \
  -c "LABEL berth.standin=debootstrap-$suite+debian-$caddy_suite-caddy-$version" \
  -c 'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' - "$image" >/dev/null
echo "stand-in: built $image"
