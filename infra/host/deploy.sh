#!/bin/bash
# berth's host deploy script. Every release carries it (infra/release/bundle.ts), beside the host's
# settings (host.env), the proxy's config (caddy.json) and the app release (release.env):
#
#   deploy.sh release DIR     berth's SSM document (and a new host's first boot) runs this with
#                             the unpacked bundle DIR: host checks, proxy, then the swap below;
#                             on success DIR becomes the live bundle (BERTH_LIVE_DIR).
#   deploy.sh boot            the user-data runs the live bundle's copy on every boot: the same
#                             checks, then the release that last went live, with its settings.
#
# A release never stops what serves before something better serves:
#   1. pull the image by digest (a throwaway login; the token comes from SSM, never a file);
#   2. start the new container beside the old one, on the private network, under its own name;
#   3. wait until it answers the health path, checked every BERTH_HEALTH_INTERVAL_S for at most
#      BERTH_DEPLOY_TIMEOUT_S; if it never does, print its last log lines, remove it and fail: the
#      old one has kept serving throughout;
#   4. rename the old one away and the new one to BERTH_CONTAINER, the name the proxy looks up
#      every second (infra/host/caddy.ts explains why a rename and not a proxy reload);
#   5. after the proxy has looked again, SIGTERM the old one, which finishes its requests within
#      BERTH_DRAIN_TIMEOUT_S, and remove it.
# A release that changes only this script or host settings the proxy does not use swaps nothing:
# the app release is already serving. Every run holds one lock, so two releases (or a boot and a
# release) never overlap: the second waits for the first. A run converges: with the release
# already serving it changes nothing.
# Output goes to the console / cloud-init log at boot, and to the SSM command's output for a
# release, where GetCommandInvocation keeps the first 24,000 characters of stdout and 8,000 of
# stderr: stderr gets only short lines, and a failure's last line is "berth: FAILED: <reason>"
# (infra/host/status-lines.ts). Secrets are never printed.
set -euo pipefail
umask 077
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LOCK=/run/berth-deploy.lock
# The proxy refreshes its lookup of the app's name every second; twice that is when no new request
# can still be on its way to the old container.
SWITCH_SETTLE_S=2

say() { printf 'berth: %s\n' "$*"; }
fail() {
  say "FAILED: $*" >&2
  mkdir -p "$(dirname "$BERTH_STATUS_FILE")"
  printf 'failed %s %s: %s\n' "${BERTH_RELEASE:-none}" "$(date -u +%FT%TZ)" "$*" >"$BERTH_STATUS_FILE"
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
  command -v flock >/dev/null 2>&1 || install_package util-linux util-linux flock
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
  # Mounted at boot from now on, before docker.service restarts the containers; nofail so that a
  # missing volume cannot stop the host from booting (the containers then fail closed, below).
  local uuid
  uuid=$(blkid -o value -s UUID "$dev")
  if [[ -n $uuid && -f /etc/fstab ]] && ! grep -q "^UUID=$uuid " /etc/fstab; then
    sed -i "\\# $BERTH_MOUNT #d" /etc/fstab
    printf 'UUID=%s %s %s defaults,noatime,nodev,nosuid,nofail 0 2\n' "$uuid" "$BERTH_MOUNT" "$(blkid -o value -s TYPE "$dev")" >>/etc/fstab
  fi
}

# On the volume, or plain directories on a fleet host (infra/host/contract.ts says why).
make_data_dirs() {
  mkdir -p "$BERTH_PROXY_DATA_DIR"
  chmod 0700 "$BERTH_PROXY_DATA_DIR"
  if [[ -n $BERTH_DATA_DIR ]]; then
    mkdir -p "$BERTH_DATA_DIR"
    chown "$BERTH_DATA_OWNER" "$BERTH_DATA_DIR"
    chmod 0750 "$BERTH_DATA_DIR"
  fi
}

ensure_network() {
  docker network inspect "$BERTH_NETWORK" >/dev/null 2>&1 ||
    docker network create --driver bridge "$BERTH_NETWORK" >/dev/null ||
    fail "docker network create $BERTH_NETWORK failed"
}

# Any HTTP answer from the proxy will do: with no app behind it yet, Caddy retries the upstream for
# 5 s and then answers 502; that is still the proxy up and listening.
proxy_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$BERTH_PROXY_PORT/" 2>/dev/null) || true
  [[ $code != 000 && -n $code ]]
}

# The proxy is (re)created only when its config or run flags changed (its berth.proxy.config label,
# rendered into BERTH_PROXY_RUN, says which); a release never touches it.
ensure_proxy() {
  local want have arg
  for arg in "${BERTH_PROXY_RUN[@]}"; do
    if [[ $arg == berth.proxy.config=* ]]; then want=${arg#*=}; fi
  done
  have=$(docker inspect --format '{{index .Config.Labels "berth.proxy.config"}}' "$BERTH_PROXY" 2>/dev/null || true)
  if [[ $have == "${want:?BERTH_PROXY_RUN has no berth.proxy.config label}" ]]; then
    if [[ $(docker inspect --format '{{.State.Running}}' "$BERTH_PROXY") != true ]]; then
      docker start "$BERTH_PROXY" >/dev/null || fail "docker start $BERTH_PROXY failed"
    fi
  else
    if ! docker image inspect "$BERTH_PROXY_IMAGE" >/dev/null 2>&1; then
      say "pulling $BERTH_PROXY_IMAGE"
      retry 6 "docker pull $BERTH_PROXY_IMAGE" docker pull --quiet "$BERTH_PROXY_IMAGE" >/dev/null ||
        fail "could not pull $BERTH_PROXY_IMAGE from Docker Hub"
    fi
    if [[ -n $have ]]; then say "replacing the proxy: its settings changed"; fi
    docker rm --force "$BERTH_PROXY" >/dev/null 2>&1 || true
    "${BERTH_PROXY_RUN[@]}" >/dev/null || fail "docker run of the proxy ($BERTH_PROXY_IMAGE) failed"
  fi
  local started=$SECONDS
  until proxy_answers; do
    if ((SECONDS - started >= 60)); then
      docker logs --tail 20 "$BERTH_PROXY" >&2 || true
      fail "the proxy did not answer on port $BERTH_PROXY_PORT within 60 s"
    fi
    sleep 0.25
  done
}

ssm_value() {
  aws ssm get-parameter --region "$BERTH_REGION" --name "$1" --with-decryption \
    --query Parameter.Value --output text
}

# PGUSER/PGPASSWORD lines from the RDS-managed secret, for the env file only (settings.ts).
database_credentials() {
  aws secretsmanager get-secret-value --region "$BERTH_REGION" --secret-id "$BERTH_DB_SECRET_ARN" \
    --query SecretString --output text | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)
    u, p = s["username"], s["password"]
except Exception:
    sys.exit("berth: the database secret is not JSON with username and password")
if not all(isinstance(v, str) and v and not any(c in v for c in "\r\n\0") for v in (u, p)):
    sys.exit("berth: the database secret has an empty or multi-line value")
print("PGUSER=%s\nPGPASSWORD=%s" % (u, p), end="")
'
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
  if [[ -n ${BERTH_DB_SECRET_ARN:-} ]]; then
    value=$(retry 5 "reading the database secret" database_credentials) ||
      { rm -f "$tmp"; fail "could not read the database secret $BERTH_DB_SECRET_ARN; check the instance role and the secret"; }
    printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGSSLMODE=require\n%s\n' "$BERTH_DB_HOST" "$BERTH_DB_PORT" "$BERTH_DB_NAME" "$value" >>"$tmp"
  fi
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

release_of() { docker inspect --format '{{index .Config.Labels "berth.release"}}' "$1" 2>/dev/null || true; }
# (docker inspect of a missing container still prints an empty line, so its output is not used then.)
state_of() {
  local state
  state=$(docker inspect --format '{{.State.Status}}' "$1" 2>/dev/null) || state=''
  printf '%s\n' "${state:-missing}"
}

# Answers the health path on its address on the private network (the host reaches that bridge).
answers_health() {
  local ip
  ip=$(docker inspect --format "{{with index .NetworkSettings.Networks \"$BERTH_NETWORK\"}}{{.IPAddress}}{{end}}" "$1" 2>/dev/null) || return 1
  [[ -n $ip ]] && curl -fsS --max-time 2 -o /dev/null "http://$ip:$BERTH_APP_PORT$BERTH_HEALTH_PATH" 2>/dev/null
}

# Healthy within the deploy timeout, or fail with the container's state and last log lines.
wait_healthy() {
  local name=$1 started=$SECONDS state health
  while :; do
    state=$(state_of "$name")
    if [[ $state == running ]] && answers_health "$name"; then return 0; fi
    health=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name" 2>/dev/null || true)
    if [[ $state != running && $state != created && $state != restarting ]] || [[ $health == unhealthy ]] ||
      ((SECONDS - started >= BERTH_DEPLOY_TIMEOUT_S)); then
      say "container $name is $state${health:+, $health}; its last log lines:" >&2
      # Short lines only: stderr beyond 8,000 characters is cut off where SSM returns it.
      docker logs --tail 20 "$name" 2>&1 | cut -c 1-240 | sed 's/^/  | /' >&2 || true
      return 1
    fi
    sleep "$BERTH_HEALTH_INTERVAL_S"
  done
}

# App containers other than the one serving: a candidate or a retiring one that a killed run left
# behind. If nothing is named BERTH_CONTAINER (a run died between the renames), the newest running
# one is put back under that name first, so the proxy has something to send requests to.
tidy_app_containers() {
  local name
  if [[ $(state_of "$BERTH_CONTAINER") == missing ]]; then
    name=$(docker ps --filter "label=berth.app=$BERTH_CONTAINER" --format '{{.Names}}' | head -n 1)
    if [[ -n $name ]]; then
      say "no container is named $BERTH_CONTAINER; putting $name back under that name"
      docker rename "$name" "$BERTH_CONTAINER"
    fi
  fi
  while read -r name; do
    [[ -n $name && $name != "$BERTH_CONTAINER" ]] || continue
    say "removing $name, left behind by an earlier run"
    docker rm --force "$name" >/dev/null || true
  done < <(docker ps -a --filter "label=berth.app=$BERTH_CONTAINER" --format '{{.Names}}')
}

# Keeps the images of this repository that a rollback is likely to want (the running one and the
# ones released most recently before it, BERTH_KEEP_IMAGES in all), so that it needs no pull;
# removes the rest. "Recently" is the order this host released them in (BERTH_RELEASED_IMAGES_FILE, one
# image id a line, the latest last), never an image's Created time: BuildKit stamps an image with
# the time its last layer was built, so builds that differ only in labels or env (a new revision)
# share one Created time, and a reproducible build (SOURCE_DATE_EPOCH) carries its commit's time.
prune_images() {
  local current id kept=1 keep=()
  current=$(docker image inspect --format '{{.Id}}' "$BERTH_IMAGE")
  mkdir -p "$(dirname "$BERTH_RELEASED_IMAGES_FILE")"
  # A host without the history yet (set up by an older berth) starts it from what it has, oldest
  # first by Created: the best guess there is, once.
  [[ -f $BERTH_RELEASED_IMAGES_FILE ]] ||
    docker image ls --no-trunc --format '{{.ID}}' "${BERTH_IMAGE%@*}" | awk '!seen[$0]++' | tac >"$BERTH_RELEASED_IMAGES_FILE"
  # Latest first, the current image aside: keep the first ones still on this host.
  while read -r id; do
    if ((kept < BERTH_KEEP_IMAGES)) && [[ $id != "$current" ]] && docker image inspect "$id" >/dev/null 2>&1; then
      keep=("$id" "${keep[@]}")
      kept=$((kept + 1))
    fi
  done < <(tac "$BERTH_RELEASED_IMAGES_FILE" | awk '!seen[$0]++')
  printf '%s\n' "${keep[@]}" "$current" | sed '/^$/d' >"$BERTH_RELEASED_IMAGES_FILE.new"
  mv "$BERTH_RELEASED_IMAGES_FILE.new" "$BERTH_RELEASED_IMAGES_FILE"
  # The rest of the repository's images (one line per digest, so each id once).
  while read -r id; do
    grep -qxF "$id" "$BERTH_RELEASED_IMAGES_FILE" && continue
    if docker image rm "$id" >/dev/null 2>&1; then
      say "removed an older image of ${BERTH_IMAGE%@*} ($id)"
    fi
  done < <(docker image ls --no-trunc --format '{{.ID}}' "${BERTH_IMAGE%@*}" | awk '!seen[$0]++')
}

# The swap (steps 1-5 above). Needs a sourced release file.
deploy_release() {
  say "release $BERTH_RELEASE: $BERTH_IMAGE"
  tidy_app_containers
  local serving
  serving=$(release_of "$BERTH_CONTAINER")
  if [[ $serving == "$BERTH_RELEASE" ]]; then
    [[ $(state_of "$BERTH_CONTAINER") == running ]] || docker start "$BERTH_CONTAINER" >/dev/null ||
      fail "docker start $BERTH_CONTAINER failed"
    wait_healthy "$BERTH_CONTAINER" || fail "release $BERTH_RELEASE is deployed but does not answer $BERTH_HEALTH_PATH"
    say "release $BERTH_RELEASE is already serving"
  else
    pull_image
    write_env_file
    "${BERTH_RUN[@]}" >/dev/null || fail "docker run of $BERTH_IMAGE failed"
    if ! wait_healthy "$BERTH_CANDIDATE"; then
      docker rm --force "$BERTH_CANDIDATE" >/dev/null 2>&1 || true
      fail "$BERTH_IMAGE did not answer $BERTH_HEALTH_PATH within ${BERTH_DEPLOY_TIMEOUT_S} s; ${serving:+release $serving keeps serving}${serving:-nothing was serving}"
    fi
    local retiring=''
    if [[ -n $serving ]]; then
      retiring="$BERTH_CONTAINER-retiring-$serving"
      docker rename "$BERTH_CONTAINER" "$retiring"
    fi
    docker rename "$BERTH_CANDIDATE" "$BERTH_CONTAINER"
    say "release $BERTH_RELEASE is serving${serving:+ (was $serving)}"
    if [[ -n $retiring ]]; then
      sleep "$SWITCH_SETTLE_S"
      docker stop --time "$BERTH_DRAIN_TIMEOUT_S" "$retiring" >/dev/null || true
      docker rm --force "$retiring" >/dev/null || true
      say "release $serving drained and removed"
    fi
  fi
  mkdir -p "$(dirname "$BERTH_STATUS_FILE")"
  printf 'ok %s %s %s\n' "$BERTH_RELEASE" "$(date -u +%FT%TZ)" "$BERTH_IMAGE" >"$BERTH_STATUS_FILE"
  say "OK: $BERTH_IMAGE is healthy and serving"
  prune_images
}

load_release() {
  local file=$1 var
  [[ -r $file ]] || fail "release file $file is missing"
  bash -n "$file" 2>/dev/null || fail "release file $file is not a valid release (it does not parse)"
  # shellcheck source=/dev/null
  . "$file"
  for var in BERTH_RELEASE BERTH_IMAGE BERTH_CANDIDATE BERTH_RUN BERTH_HEALTH_PATH BERTH_DEPLOY_TIMEOUT_S BERTH_DRAIN_TIMEOUT_S; do
    [[ -n ${!var:-} ]] || fail "release file $file has no $var; was it rendered by infra/release/release.ts?"
  done
}

# install_changed SRC DST: DST gets SRC's content (mode 0644) if it differs; the proxy bind-mounts
# these files, and is recreated whenever they change (its berth.proxy.config label).
install_changed() {
  if [[ -f $2 && $(<"$1") == "$(<"$2")" ]]; then return 0; fi
  mkdir -p "$(dirname "$2")" && chmod 0755 "$(dirname "$2")"
  install -m 0644 "$1" "$2.new" && mv -f "$2.new" "$2"
}

install_proxy_files() {
  install_changed "$1/caddy.json" "$BERTH_PROXY_CONFIG_FILE"
  if [[ -f $1/acme-ca-root.pem ]]; then install_changed "$1/acme-ca-root.pem" "$BERTH_ACME_CA_ROOT_FILE"; fi
}

# The bundle that went live becomes what the next boot converges to, whole (its deploy script
# included). A run killed between the two moves leaves no live bundle: the next boot then fetches
# the stack's current release, as a new host does.
install_live() {
  local new=$BERTH_LIVE_DIR.new old=$BERTH_LIVE_DIR.old
  rm -rf "$new" "$old"
  mkdir -p "$(dirname "$new")"
  mkdir -m 0700 "$new"
  cp -p "$1"/* "$new"/
  if [[ -d $BERTH_LIVE_DIR ]]; then mv "$BERTH_LIVE_DIR" "$old"; fi
  mv "$new" "$BERTH_LIVE_DIR"
  rm -rf "$old"
}

main() {
  local mode=${1:-} bundle=${2:-}
  case $mode in
    boot) bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) ;;
    release) [[ -n $bundle && -d $bundle ]] || { echo "usage: deploy.sh release DIR (an unpacked release bundle)" >&2; exit 2; } ;;
    *) echo "usage: deploy.sh boot | deploy.sh release DIR" >&2; exit 2 ;;
  esac
  if [[ ! -r $bundle/host.env || ! -r $bundle/release.env ]]; then
    echo "berth: FAILED: $bundle is not a release bundle (no host.env or release.env)" >&2
    exit 1
  fi
  # shellcheck source=/dev/null
  . "$bundle/host.env"
  exec 9>"$LOCK"
  if ! flock --nonblock 9; then
    say "another deploy is running; waiting for it to finish"
    flock 9
  fi
  ensure_tools
  if [[ -n $BERTH_VOLUME_ID ]]; then mount_data_volume; else say "no data volume (a fleet host)"; fi
  make_data_dirs
  ensure_network
  install_proxy_files "$bundle"
  ensure_proxy
  load_release "$bundle/release.env"
  deploy_release
  if [[ $mode == release ]]; then install_live "$bundle"; fi
}

main "$@"
