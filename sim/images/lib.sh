#!/usr/bin/env bash
# Shared by the stand-in builders (sourced, never run): how a stand-in is reused or pulled, and how
# Debian packages go into a root file system.

# reuse_or_pull IMAGE [--force]: on a machine that reaches Docker Hub, BERTH_PULL_BASE=1 takes the
# real image; otherwise an image of that name that is present (stand-in or real) is reused unless
# --force. Either way the calling builder is done, and exits.
reuse_or_pull() {
  local image=$1 force=${2:-}
  if [[ ${BERTH_PULL_BASE:-} == 1 ]]; then
    docker pull "$image"
    exit 0
  fi
  if [[ $force != --force ]] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "stand-in: $image is present ($(docker image inspect -f '{{index .Config.Labels "berth.standin"}}' "$image" || true)); reusing it"
    exit 0
  fi
}

# minbase_tar CACHE SUITE MIRROR [ARCH]: prints the path of a tarball of a Debian SUITE minbase
# rootfs made by debootstrap (~30 s natively), cached in CACHE and shared by every stand-in. ARCH
# (default: this machine's) may be a foreign one, such as arm64: debootstrap then runs the
# packages' scripts under QEMU's user-mode emulation, which needs qemu-user-static registered with
# binfmt_misc (a few minutes).
minbase_tar() {
  local cache=$1 suite=$2 mirror=$3 arch=${4:-}
  local native
  native=$(dpkg --print-architecture)
  arch=${arch:-$native}
  local tar="$cache/$suite-minbase.tar"
  [[ $arch == "$native" ]] || tar="$cache/$suite-$arch-minbase.tar"
  mkdir -p "$cache"
  if [[ ! -s $tar ]]; then
    echo "stand-in: debootstrap $suite (minbase, $arch) from $mirror" >&2
    local tmp_root
    tmp_root=$(mktemp -d "$cache/rootfs.XXXXXX")
    debootstrap --variant=minbase --arch="$arch" "$suite" "$tmp_root" "$mirror" >"$cache/debootstrap-$arch.log" 2>&1 ||
      { tail -n 20 "$cache/debootstrap-$arch.log" >&2; rm -rf "$tmp_root"; return 1; }
    rm -rf "$tmp_root"/var/cache/apt/archives/*.deb "$tmp_root"/var/lib/apt/lists/*
    tar -C "$tmp_root" -cf "$tar.part" . && mv "$tar.part" "$tar"
    rm -rf "$tmp_root"
  fi
  echo "$tar"
}

# chroot_apt_install ROOT LOG SOURCES PACKAGE...: apt-get install in a chroot of ROOT, with the
# given sources.list lines, no service started and no recommends; the apt output goes to LOG (its
# tail to stderr on failure). The caller removes ROOT/usr/sbin/policy-rc.d and empties
# ROOT/etc/resolv.conf when done with apt. A chroot_apt_pin before it takes named packages from
# another suite.
chroot_apt_install() {
  local root=$1 log=$2 sources=$3
  shift 3
  printf '%s\n' "$sources" >"$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # No service may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  if ! {
    chroot "$root" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends "$@"
  } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    umount "$root/proc"
    return 1
  fi
  umount "$root/proc"
}

# chroot_apt_pin ROOT SUITE PACKAGE...: in ROOT, apt takes PACKAGE... from SUITE (which the caller
# lists in chroot_apt_install's SOURCES) and nothing else of it, unless a dependency needs a version
# only SUITE has: apt preferences, as on a machine that pins single packages to a newer release.
chroot_apt_pin() {
  local root=$1 suite=$2
  shift 2
  install -D -m 0644 /dev/stdin "$root/etc/apt/preferences.d/berth-$suite" <<PIN
Package: *
Pin: release n=$suite
Pin-Priority: 100

Package: $*
Pin: release n=$suite
Pin-Priority: 990
PIN
}
