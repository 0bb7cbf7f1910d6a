#!/usr/bin/env bash
# Builds the two images the simulated AWS world (sim/world.ts) runs on, from real
# Debian parts, for machines that cannot reach an AMI or Docker Hub:
#
#   berth-sim-host:bookworm      a stand-in for a fresh EC2 host: Debian bookworm (minbase) with
#                                Docker Engine 26.1 (trixie's docker.io: Amazon Linux 2023 ships
#                                25.x, and bookworm's 20.10 is years behind), awscli (Debian's,
#                                2.9), cloud-init, python3 and the usual base tools. It has no systemd: the world's init script
#                                (sim/host/init.sh, bind-mounted at run time) plays
#                                the hardware, udev, systemd, the metadata service and AWS.
#   berth-sim-registry:bookworm  the world's services: Debian's docker-registry (distribution v2)
#                                + apache2-utils (the registry and the Docker Hub stand-in),
#                                dnsmasq-base (the VPC's DHCP server and resolver) and pebble (the
#                                ACME CA, World.startAcme).
#
# The image holds only packages and static configuration; everything that simulates the world
# lives in sim/ and is mounted when a host starts, so editing it needs no rebuild.
# An image is reused when present and built from this same recipe (label berth.sim.recipe, the
# hash of this file), unless --force. Root file systems are cached under
# /var/cache/berth-standins (override with BERTH_STANDIN_CACHE), and the debootstrap tarball
# build-node.sh caches there is reused.
#
# Usage: sim/images/build-sim-host.sh [--force]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BERTH_STANDIN_CACHE:-/var/cache/berth-standins}
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${BERTH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
suite=bookworm
host_image=berth-sim-host:$suite
registry_image=berth-sim-registry:$suite
# shellcheck source=sim/images/lib.sh
. "$here/lib.sh"
recipe=$(cat "$here/build-sim-host.sh" "$here/lib.sh" | sha256sum | cut -c1-16)
force=${1:-}

# Taken from trixie, pinned (the rest of the host stays bookworm): the engine a current host runs
# (docker.io only recommends its CLI, docker-cli, so both are named).
host_from_trixie=(docker.io docker-cli)
host_packages=(
  docker.io docker-cli awscli cloud-init python3 e2fsprogs util-linux iproute2 ca-certificates curl procps
  dmidecode # reads the SMBIOS tables the sim's "firmware" writes (cloud-init identifies AWS by them)
)
# The registry image also carries dnsmasq-base: the world's "VPC" container runs it as the
# subnet's DHCP server, which cloud-init's Ec2Local datasource asks for a lease on every boot, and
# as its resolver; and pebble, Let's Encrypt's test ACME server (2.4 in bookworm).
registry_packages=(docker-registry apache2-utils ca-certificates dnsmasq-base pebble)

log() { echo "sim-standin: $*" >&2; }

import_image() { # tar image label... : docker import, then drop the image the tag named before
  local tar=$1 image=$2 old
  shift 2
  old=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
  docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL berth.sim.recipe=$recipe" "$@" "$tar" "$image" >/dev/null
  if [[ -n $old && $old != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

is_current() { # image -> 0 when present and built from this recipe
  [[ $force != --force ]] &&
    [[ $(docker image inspect -f '{{index .Config.Labels "berth.sim.recipe"}}' "$1" 2>/dev/null || true) == "$recipe" ]]
}


# rootfs_with NAME CONFIGURE_FN "TRIXIE_PACKAGE..." PACKAGE... -> prints the path of a cached
# tarball of the minbase rootfs with the packages installed (apt over http: no proxy CA needed),
# those named in the third argument from trixie, and CONFIGURE_FN applied.
rootfs_with() {
  local name=$1 configure=$2 from_trixie=$3
  shift 3
  local tar="$cache/sim-$name-$suite-$recipe.tar"
  if [[ -s $tar && $force != --force ]]; then echo "$tar"; return; fi
  local base root
  base=$(minbase_tar "$cache" "$suite" "$mirror")
  root=$(mktemp -d "$cache/sim-$name.XXXXXX")
  # shellcheck disable=SC2064
  trap "umount -l '$root/proc' 2>/dev/null || true; rm -rf '$root'" EXIT
  tar -C "$root" -xf "$base"
  log "apt-get install (in a chroot) for $name: $* (from trixie: ${from_trixie:-none})"
  local sources="deb $mirror $suite main"$'\n'"deb $mirror $suite-updates main"$'\n'"deb $security_mirror $suite-security main"
  if [[ -n $from_trixie ]]; then
    # shellcheck disable=SC2086 # a list of package names
    chroot_apt_pin "$root" trixie $from_trixie
    sources+=$'\n'"deb $mirror trixie main"
  fi
  chroot_apt_install "$root" "$cache/sim-$name-apt.log" "$sources" "$@" || exit 1
  "$configure" "$root"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d" "$root"/var/log/apt/* "$root"/tmp/*
  # The host's apt is bookworm's again, as on a machine whose engine was installed and left alone.
  sed -i '/ trixie /d' "$root/etc/apt/sources.list"
  rm -f "$root/etc/apt/preferences.d/berth-trixie"
  : >"$root/etc/resolv.conf"
  rm -f "$cache"/sim-"$name"-"$suite"-*.tar # older recipes
  tar -C "$root" -cf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf "$root"
  trap - EXIT
  echo "$tar"
}

configure_host() {
  local root=$1
  # cloud-init as it runs on the sim: the Ec2 datasource against the world's metadata service,
  # nothing that fights a container (network, hostname, users, ssh, disks, packages).
  install -D -m 0644 /dev/stdin "$root/etc/cloud/cloud.cfg.d/90-berth-sim.cfg" <<'EOF'
# berth-sim: the simulated EC2 host (see sim/host/init.sh).
datasource_list: [Ec2]
datasource:
  Ec2:
    # IPv4 IMDS only (the sim's metadata service has no [fd00:ec2::254]).
    metadata_urls: ["http://169.254.169.254"]
# The container's network is Docker's; cloud-init must not render or apply its own.
network: {config: disabled}
manage_etc_hosts: false
preserve_hostname: true
# Amazon Linux's module lists, less what needs systemd, sshd, a real disk or a package mirror.
cloud_init_modules:
  - migrator
  - seed_random
  - bootcmd
  - write-files
  - ca-certs
cloud_config_modules:
  - timezone
  - disable-ec2-metadata
  - runcmd
cloud_final_modules:
  - package-update-upgrade-install
  - write-files-deferred
  - scripts-vendor
  - scripts-per-once
  - scripts-per-boot
  - scripts-per-instance
  - scripts-user
  - phone-home
  - final-message
  - power-state-change
EOF
  # dockerd as Debian's unit would run it, overlay2 on /var/lib/docker.
  install -D -m 0644 /dev/stdin "$root/etc/docker/daemon.json" <<'EOF'
{ "storage-driver": "overlay2" }
EOF
}

configure_registry() {
  :
}

mkdir -p "$cache"

if is_current "$host_image"; then
  log "$host_image is present (recipe $recipe); reusing it"
else
  tar=$(rootfs_with host configure_host "${host_from_trixie[*]}" "${host_packages[@]}")
  import_image "$tar" "$host_image" \
    -c "LABEL berth.standin=debootstrap-$suite+trixie-docker.io+awscli+cloud-init" -c 'CMD ["/bin/bash"]'
  log "built $host_image"
fi

if is_current "$registry_image"; then
  log "$registry_image is present (recipe $recipe); reusing it"
else
  tar=$(rootfs_with registry configure_registry "" "${registry_packages[@]}")
  import_image "$tar" "$registry_image" \
    -c "LABEL berth.standin=debootstrap-$suite+docker-registry+dnsmasq+pebble" \
    -c 'CMD ["/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"]'
  log "built $registry_image"
fi
