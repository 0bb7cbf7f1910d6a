#!/usr/bin/env bash
# Builds a stand-in for the Python base image that examples/guestbook/Dockerfile names
# (python:3.11-slim-bookworm), for machines that cannot reach Docker Hub. It is made from real
# parts, laid out like the official image. Read for this: docker-library/python at 4f07059
# (2026-06-23), 3.11/slim-bookworm/Dockerfile: FROM debian:bookworm-slim; ENV PATH
# /usr/local/bin:$PATH and LANG C.UTF-8; runtime packages ca-certificates, netbase, tzdata;
# CPython 3.11.15 built into /usr/local; unversioned links to idle3, pip3, pydoc3, python3 and
# python3-config in /usr/local/bin; pip by get-pip.py; CMD ["python3"]. The stand-in has:
#   - a Debian rootfs made by debootstrap (minbase) of the suite the tag names (bookworm), the
#     tarball build-node.sh caches, shared,
#   - Debian's own python3.X of the minor version the tag names (bookworm: 3.11.2, with its
#     security updates), where the official image compiles CPython 3.11.x from python.org into
#     /usr/local; the stand-in's version is checked against the tag's 3.11,
#   - the official image's runtime packages (ca-certificates, netbase, tzdata),
#   - its layout: python3 and python (and pydoc3/pydoc) in /usr/local/bin, first on PATH,
#     LANG=C.UTF-8, PYTHON_VERSION (Debian's, here), and CMD ["python3"].
# Not carried over: pip and setuptools (the official image installs them with get-pip.py; the
# guestbook needs neither, and a Dockerfile that runs pip would fail here, loudly).
# It is tagged with exactly the name the Dockerfile uses, so the Dockerfile needs no test branch.
# An image of that name is reused when it is a real one (no berth.standin label) or a stand-in
# built from this same recipe (label berth.standin.recipe, the hash of this file and lib.sh);
# --force rebuilds. BERTH_PULL_BASE=1 pulls the real image instead.
#
# Usage: sim/images/build-python.sh [--force]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_STANDIN_CACHE:-/var/cache/berth-standins}
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${BERTH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
dockerfile=$repo/examples/guestbook/Dockerfile

force=''
while (($#)); do
  case $1 in
    --force) force=--force ;;
    *) echo "usage: build-python.sh [--force]" >&2; exit 2 ;;
  esac
  shift
done

image=$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$dockerfile" | head -n 1)
if [[ ! $image =~ ^python:([0-9]+\.[0-9]+)-slim-([a-z]+)$ ]]; then
  echo "build-python.sh: $dockerfile's PYTHON_IMAGE '$image' is not of the form python:X.Y-slim-<suite>" >&2
  exit 1
fi
minor=${BASH_REMATCH[1]}
suite=${BASH_REMATCH[2]}

# shellcheck source=sim/images/lib.sh
. "$here/lib.sh"
recipe=$(cat "$here/build-python.sh" "$here/lib.sh" | sha256sum | cut -c1-16)

# Reused: a real image of this name, or a stand-in of this recipe. A stand-in of another recipe is
# rebuilt (reuse_or_pull then has nothing to do but honour BERTH_PULL_BASE).
if [[ -z $force ]] && docker image inspect "$image" >/dev/null 2>&1; then
  labels=$(docker image inspect -f '{{index .Config.Labels "berth.standin"}} {{index .Config.Labels "berth.standin.recipe"}}' "$image")
  if [[ $labels == ' ' || ${labels#* } == "$recipe" ]]; then reuse_or_pull "$image"; fi
  echo "stand-in: $image is a stand-in of another recipe ($labels); rebuilding it"
  force=--force
fi
reuse_or_pull "$image" "$force"

base_tar=$(minbase_tar "$cache" "$suite" "$mirror")

work=$(mktemp -d)
root="$work/rootfs"
# shellcheck disable=SC2064
trap "umount -l '$root/proc' 2>/dev/null || true; rm -rf '$work'" EXIT
mkdir "$root"
tar -C "$root" -xf "$base_tar"

echo "stand-in: Debian $suite's python$minor, ca-certificates, netbase and tzdata (in a chroot)"
chroot_apt_install "$root" "$cache/python-apt.log" \
  "deb $mirror $suite main"$'\n'"deb $mirror $suite-updates main"$'\n'"deb $security_mirror $suite-security main" \
  "python$minor" ca-certificates netbase tzdata || exit 1
version=$(chroot "$root" "python$minor" -c 'import platform; print(platform.python_version())')
if [[ $version != "$minor".* ]]; then
  echo "build-python.sh: Debian $suite's python$minor is $version, but the Dockerfile pins $image; a stand-in must be the version it stands for" >&2
  exit 1
fi
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d" "$root"/var/log/apt/*
: >"$root/etc/resolv.conf"

# The official image's commands: python3 and friends in /usr/local/bin, with unversioned links
# (its "useful symlinks" step). Debian's interpreter stays where its packages put it.
ln -s "/usr/bin/python$minor" "$root/usr/local/bin/python3"
ln -s python3 "$root/usr/local/bin/python"
ln -s "/usr/bin/pydoc$minor" "$root/usr/local/bin/pydoc3"
ln -s pydoc3 "$root/usr/local/bin/pydoc"

old=''
if [[ -n $(docker image inspect -f '{{index .Config.Labels "berth.standin"}}' "$image" 2>/dev/null || true) ]]; then
  old=$(docker image inspect -f '{{.Id}}' "$image")
fi
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c "ENV PYTHON_VERSION=$version" \
  -c "LABEL berth.standin=debootstrap-$suite+debian-python$minor-$version" \
  -c "LABEL berth.standin.recipe=$recipe" \
  -c 'CMD ["python3"]' - "$image" >/dev/null
# The stand-in this one replaces is ours (a real image is never removed); dropped unless in use.
if [[ -n $old && $old != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
  docker image rm "$old" >/dev/null 2>&1 || true
fi
echo "stand-in: built $image (Python $version)"
