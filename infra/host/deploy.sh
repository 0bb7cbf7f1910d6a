# berth's host deploy script. infra/userdata.ts renders the release above this line (the desired
# image digest, SSM parameter versions, env, run flags) and ships the two together as the shell
# part of the user-data. cloud-init runs it on first boot and, because the user-data's cloud-config
# sets scripts-user to "always", on every boot after: a reboot re-checks, and a stop/start with new
# user-data (a new digest) redeploys. It converges: a second run with the same release changes
# nothing. Output goes to the console (EC2 "Get system log") and /var/log/cloud-init-output.log.
# Secrets are fetched from SSM with the instance role; they are never printed.
set -euo pipefail
umask 077
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'berth: %s\n' "$*"; }
fail() {
  say "FAILED: $*" >&2
  mkdir -p "$(dirname "$BERTH_STATUS_FILE")"
  printf 'failed %s %s: %s\n' "$BERTH_RELEASE" "$(date -u +%FT%TZ)" "$*" >"$BERTH_STATUS_FILE"
  exit 1
}

# retry ATTEMPTS WHAT COMMAND...: runs COMMAND until it succeeds, waiting 2, 4, 8... s between tries.
retry() {
  local attempts=$1 what=$2 n=1 delay=2
  shift 2
  until "$@"; do
    if ((n >= attempts)); then return 1; fi
    say "$what failed (attempt $n of $attempts); retrying in ${delay}s" >&2
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2))
  done
}

apt_install() {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"
}

# install_package DNF-NAME APT-NAME WHAT
install_package() {
  say "installing $3"
  if command -v dnf >/dev/null 2>&1; then
    retry 5 "dnf install $1" dnf install -y -q "$1" || fail "dnf install $1 failed"
  elif command -v apt-get >/dev/null 2>&1; then
    retry 5 "apt-get install $2" apt_install "$2" || fail "apt-get install $2 failed"
  else
    fail "$3 is not installed and neither dnf nor apt-get is here to install it"
  fi
}

ensure_tools() {
  command -v docker >/dev/null 2>&1 || install_package docker docker.io Docker
  command -v aws >/dev/null 2>&1 || install_package awscli-2 awscli "the AWS CLI"
  command -v mkfs.ext4 >/dev/null 2>&1 || install_package e2fsprogs e2fsprogs mkfs.ext4
  command -v curl >/dev/null 2>&1 || install_package curl-minimal curl curl
  if ! docker info >/dev/null 2>&1; then
    systemctl enable --now docker >/dev/null 2>&1 || fail "could not enable and start docker.service (systemctl enable --now docker)"
  fi
  local waited=0
  until docker info >/dev/null 2>&1; do
    ((waited < 60)) || fail "the Docker engine did not answer within 60 s"
    sleep 1
    waited=$((waited + 1))
  done
}

# The data volume is found by its EBS volume id, never by device name: on Nitro instances the
# device named /dev/sdf in the attachment appears as /dev/nvme1n1 or nvme2n1, in any order. udev
# names it /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<id without the dash>. Xen
# instances (no NVMe) keep the attachment's name, as /dev/xvdX.
find_volume() {
  local by_id="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${BERTH_VOLUME_ID//-/}"
  local xen="/dev/xvd${BERTH_DEVICE_NAME#/dev/sd}" waited=0
  while :; do
    if [[ -e $by_id ]]; then
      readlink -f "$by_id"
      return 0
    fi
    if [[ ! -d /sys/class/nvme && -b $xen ]]; then
      printf '%s\n' "$xen"
      return 0
    fi
    ((waited < BERTH_VOLUME_WAIT_S)) || return 1
    if ((waited % 30 == 0)); then say "waiting for data volume $BERTH_VOLUME_ID to be attached" >&2; fi
    sleep 2
    waited=$((waited + 2))
  done
}

mount_data_volume() {
  local dev fstype rc
  dev=$(find_volume) || fail "data volume $BERTH_VOLUME_ID did not appear within ${BERTH_VOLUME_WAIT_S} s; check its attachment (aws ec2 describe-volumes --volume-ids $BERTH_VOLUME_ID)"
  mkdir -p "$BERTH_MOUNT"
  if mountpoint -q "$BERTH_MOUNT"; then
    # mountpoint -d: the device number mounted there; -x: a block device's number.
    [[ $(mountpoint -d "$BERTH_MOUNT") == $(mountpoint -x "$dev") ]] ||
      fail "$BERTH_MOUNT is mounted from another device than volume $BERTH_VOLUME_ID ($dev)"
    say "data volume $BERTH_VOLUME_ID is mounted on $BERTH_MOUNT"
  else
    # blkid -p reads the device itself: exit 2 means no filesystem or partition table at all,
    # the only case in which formatting cannot lose data.
    rc=0
    fstype=$(blkid -p -o value -s TYPE "$dev") || rc=$?
    if ((rc == 2)); then
      say "data volume $BERTH_VOLUME_ID ($dev) is blank; formatting it ext4"
      mkfs.ext4 -q -L berth-data "$dev" || fail "mkfs.ext4 on $dev failed"
      fstype=ext4
    elif ((rc != 0)); then
      fail "could not read what is on data volume $BERTH_VOLUME_ID ($dev): blkid exit $rc"
    fi
    case $fstype in
      ext4 | xfs) ;;
      *) fail "data volume $BERTH_VOLUME_ID ($dev) holds '${fstype:-a partition table}', not a filesystem berth made; not touching it" ;;
    esac
    mount -t "$fstype" -o noatime,nodev,nosuid "$dev" "$BERTH_MOUNT" || fail "mounting $dev on $BERTH_MOUNT failed"
    say "data volume $BERTH_VOLUME_ID mounted on $BERTH_MOUNT"
  fi
  # Mounted at boot from now on, before docker.service restarts the container; nofail so that a
  # missing volume cannot stop the host from booting (the container then fails closed, below).
  local uuid
  uuid=$(blkid -o value -s UUID "$dev")
  if [[ -n $uuid && -f /etc/fstab ]] && ! grep -q "^UUID=$uuid " /etc/fstab; then
    sed -i "\\# $BERTH_MOUNT #d" /etc/fstab
    printf 'UUID=%s %s %s defaults,noatime,nodev,nosuid,nofail 0 2\n' "$uuid" "$BERTH_MOUNT" "$(blkid -o value -s TYPE "$dev")" >>/etc/fstab
  fi
  # The container bind-mounts this directory, which exists only on the volume: if the volume is
  # not mounted, docker refuses to start the container rather than write to the root disk.
  mkdir -p "$BERTH_DATA_DIR"
  chown "$BERTH_DATA_OWNER" "$BERTH_DATA_DIR"
  chmod 0750 "$BERTH_DATA_DIR"
}

ssm_value() {
  aws ssm get-parameter --region "$BERTH_REGION" --name "$1" --with-decryption \
    --query Parameter.Value --output text
}

write_env_file() {
  local tmp pair name value
  mkdir -p "$(dirname "$BERTH_ENV_FILE")"
  tmp=$(mktemp "$BERTH_ENV_FILE.XXXXXX")
  if ((${#BERTH_ENV[@]} > 0)); then printf '%s\n' "${BERTH_ENV[@]}" >"$tmp"; fi
  for pair in "${BERTH_SECRET_ENV[@]}"; do
    name=${pair%%=*}
    value=$(retry 5 "reading $name from SSM" ssm_value "${pair#*=}") ||
      { rm -f "$tmp"; fail "could not read secret env $name from SSM parameter ${pair#*=}; check the instance role and the parameter"; }
    printf '%s=%s\n' "$name" "$value" >>"$tmp"
  done
  chmod 0600 "$tmp"
  mv -f "$tmp" "$BERTH_ENV_FILE"
}

# Reads $token from pull_image, the caller: a secret never goes on a command line. Its output is
# shown only on failure (on success it is a warning about the throwaway config, which is removed).
registry_login() {
  local out
  out=$(printf '%s' "$token" | docker login --username "$BERTH_REGISTRY_USER" --password-stdin "$BERTH_REGISTRY" 2>&1) && return 0
  printf '%s\n' "$out" >&2
  return 1
}

pull_image() {
  if docker image inspect "$BERTH_IMAGE" >/dev/null 2>&1; then return 0; fi
  local token
  token=$(retry 5 "reading the registry token from SSM" ssm_value "$BERTH_TOKEN_PARAM") ||
    fail "could not read the registry token from SSM parameter $BERTH_TOKEN_PARAM; check the instance role and the parameter"
  # A throwaway client config: the login lives only as long as this pull.
  DOCKER_CONFIG=$(mktemp -d /run/berth-docker.XXXXXX)
  export DOCKER_CONFIG
  trap 'rm -rf "$DOCKER_CONFIG"' EXIT
  retry 5 "docker login $BERTH_REGISTRY" registry_login ||
    fail "docker login to $BERTH_REGISTRY as $BERTH_REGISTRY_USER failed; check berth:registryUsername and berth:registryToken"
  unset token
  say "pulling $BERTH_IMAGE"
  retry 6 "docker pull" docker pull --quiet "$BERTH_IMAGE" >/dev/null ||
    fail "could not pull $BERTH_IMAGE; check that the digest exists in $BERTH_REGISTRY"
  rm -rf "$DOCKER_CONFIG"
  unset DOCKER_CONFIG
  trap - EXIT
}

container_release() {
  docker inspect --format '{{index .Config.Labels "berth.release"}}' "$BERTH_CONTAINER" 2>/dev/null || true
}

# Ready when the app answers its health path through the published host port: the check Docker's
# HEALTHCHECK makes inside, plus proof the port is published. (Docker's own status turns healthy
# only after its first interval.) Unhealthy, exited, or too slow: fail with the app's last lines.
wait_healthy() {
  local ticks=0 state health
  while :; do
    state=$(docker inspect --format '{{.State.Status}}' "$BERTH_CONTAINER" 2>/dev/null || echo missing)
    health=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$BERTH_CONTAINER" 2>/dev/null || true)
    if [[ $state == running ]] && curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$BERTH_HOST_PORT$BERTH_HEALTH_PATH" 2>/dev/null; then
      return 0
    fi
    if [[ $state != running && $state != created && $state != restarting ]] || [[ $health == unhealthy ]] || ((ticks >= BERTH_HEALTH_WAIT_S * 4)); then
      say "container $BERTH_CONTAINER is $state${health:+, $health}; its last log lines:" >&2
      docker logs --tail 20 "$BERTH_CONTAINER" >&2 || true
      fail "$BERTH_IMAGE did not answer $BERTH_HEALTH_PATH on port $BERTH_HOST_PORT within ${BERTH_HEALTH_WAIT_S} s (state $state${health:+, health $health})"
    fi
    sleep 0.25
    ticks=$((ticks + 1))
  done
}

# Keeps the images of this repository that a rollback is likely to want (the running one and the
# newest others, BERTH_KEEP_IMAGES in all), so that it needs no pull; removes the rest.
prune_images() {
  local current id kept=1
  current=$(docker image inspect --format '{{.Id}}' "$BERTH_IMAGE")
  # docker image ls lists the newest first; an image with several digests shows once per digest.
  while read -r id; do
    [[ $id != "$current" ]] || continue
    if ((kept < BERTH_KEEP_IMAGES)); then
      kept=$((kept + 1))
    elif docker image rm "$id" >/dev/null 2>&1; then
      say "removed an older image of ${BERTH_IMAGE%@*} ($id)"
    fi
  done < <(docker image ls --no-trunc --format '{{.ID}}' "${BERTH_IMAGE%@*}" | awk '!seen[$0]++')
}

deploy() {
  exec 9>/run/berth-deploy.lock
  flock 9
  say "release $BERTH_RELEASE: $BERTH_IMAGE"
  ensure_tools
  mount_data_volume
  if [[ $(container_release) == "$BERTH_RELEASE" ]]; then
    if [[ $(docker inspect --format '{{.State.Running}}' "$BERTH_CONTAINER") != true ]]; then
      say "release already deployed; starting its stopped container"
      docker start "$BERTH_CONTAINER" >/dev/null || fail "docker start $BERTH_CONTAINER failed"
    else
      say "release already deployed and running"
    fi
  else
    pull_image
    write_env_file
    if docker inspect "$BERTH_CONTAINER" >/dev/null 2>&1; then
      say "replacing container $BERTH_CONTAINER (release $(container_release))"
      docker stop --time "$BERTH_STOP_GRACE_S" "$BERTH_CONTAINER" >/dev/null || true
      docker rm --force "$BERTH_CONTAINER" >/dev/null
    fi
    "${BERTH_RUN[@]}" >/dev/null || fail "docker run of $BERTH_IMAGE failed"
  fi
  wait_healthy
  mkdir -p "$(dirname "$BERTH_STATUS_FILE")"
  printf 'ok %s %s %s\n' "$BERTH_RELEASE" "$(date -u +%FT%TZ)" "$BERTH_IMAGE" >"$BERTH_STATUS_FILE"
  say "OK: $BERTH_IMAGE is healthy on port $BERTH_HOST_PORT"
  prune_images
}

deploy
