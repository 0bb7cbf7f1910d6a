#!/bin/bash
# The "boot" of a simulated EC2 host: the entrypoint of a berth-sim-host container, run (under
# docker-init) on every container start, i.e. on launch, reboot and stop/start. It plays what sits
# outside the user-data on a real Nitro instance running systemd, in the order it happens there,
# and never reads or changes the user-data itself:
#
#   firmware   SMBIOS tables of an "Amazon EC2" machine on a tmpfs at /sys/firmware (Docker masks
#              it), read by the real dmidecode: this is how cloud-init identifies AWS
#   udev       /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<id without the dash> (and the
#              block-device-mapping name, e.g. /dev/sdf) -> ../../nvme1n1, the attached volume
#              (a loop device of the machine running the tests, its node made as /dev/nvme1n1
#              from config.json; SimHost.attachVolume does the same to a running host)
#   local-fs   mount -a (/etc/fstab, which a previous boot's user-data may have written)
#   network    eth0 starts without an address, as before systemd-networkd; the world's VPC
#              container answers DHCP with this MAC's fixed address. 169.254.169.254 and the SSM
#              endpoint's address are routed to a network namespace of their own ("aws", over a
#              veth pair), so they are off-host as on EC2 and take none of the host's ports.
#   trust      the world's test CA in the system store (update-ca-certificates): the AWS CLI
#              (Debian's certifi is the system bundle), curl and dockerd all trust it; nothing is
#              put in the script's environment
#   AWS        the metadata service (imds.py, IMDSv2 only), SSM (ssm.py), Secrets Manager (ssm.py
#              again, as BERTH_SIM_SERVICE=secretsmanager) and CloudWatch Logs (logs.py, its store
#              shared by the world's hosts at /opt/berth-sim/logs)
#   cloud-init-local.service  cloud-init init --local: Ec2Local takes an ephemeral DHCP lease and
#              crawls IMDS, every boot, so the user-data it runs is the instance's current one
#   systemd-networkd          eth0 gets its (leased) address and default route, and
#              /etc/resolv.conf the VPC's resolver (the world's dnsmasq at the subnet's base + 2, as
#              AmazonProvidedDNS): dockerd and the containers it runs resolve the world's names
#   cloud-init.service, cloud-config.service  cloud-init init; cloud-init modules --mode config
#   docker.service            dockerd (overlay2 on /var/lib/docker), waited for
#   cloud-final.service       cloud-init modules --mode final: scripts-user runs the user-data
#
# cloud-init runs with the environment systemd gives a unit (PATH and LANG; no HOME, no TERM).
# Then the host idles until the container is stopped; on SIGTERM it shuts down like systemd:
# dockerd stops its containers (restart policies bring them back next boot) and exits.
#
# Files (all under /opt/berth-sim, bind-mounted by sim/world.ts):
#   bin/     this script, smbios.py, imds.py, ssm.py, logs.py, simhttp.py, awsjson.py, runcommand.py
#            (read only; the last is the SSM agent's shell-script runner, which SimHost.runDocument calls)
#   world/   ca.crt, ssm.<region>.crt/.key (read only)
#   state/   config.json, user-data, ssm-parameters.json (written by the harness);
#            console.log (this script's output, every boot), credentials.json, ssm-calls.jsonl,
#            imds.log, ssm.log, boots/<n>.json (one per boot: what ran and how it ended);
#            ssm-commands.jsonl (written by the harness: the commands runDocument ran);
#            logs-calls.jsonl, logs.log (the CloudWatch Logs stand-in's calls and its own log)
#   logs/    the world's CloudWatch Logs store, shared by its hosts (sim/host/logs.py)
set -uo pipefail

sim=/opt/berth-sim
state=$sim/state
export BERTH_SIM_STATE=$state BERTH_SIM_WORLD=$sim/world BERTH_SIM_NETWORK=/run/berth-sim/network.json

boot=$(($(cat "$state/boot-count" 2>/dev/null || echo 0) + 1))
echo "$boot" >"$state/boot-count"

# Like the serial console that `aws ec2 get-console-output` shows: everything, every boot.
exec > >(exec tee -a "$state/console.log") 2>&1

ms() { date +%s%3N; }
t0=$(ms)
say() { echo "[berth-sim $(date -u +%H:%M:%S.%3N)] $*"; }

dockerd_pid=
shutdown() {
  say "shutting down"
  # The engine may have been restarted since boot (SimHost.restartDocker): its pid file knows.
  if [[ -s /var/run/docker.pid ]]; then dockerd_pid=$(cat /var/run/docker.pid); fi
  if [[ -n $dockerd_pid ]]; then
    docker ps -q 2>/dev/null | grep -q . && say "docker.service: stopping containers"
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  sync
  say "power off"
  exit 0
}
trap shutdown TERM INT

# The instance's description, from the harness (set by the eval below).
instance_id='' instance_type='' region='' ssm_address='' secrets_address='' logs_address='' dns_server='' dns_search=''
volumes=()
eval "$(python3 - "$state/config.json" <<'EOF'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
print("instance_id=" + shlex.quote(c["instanceId"]))
print("instance_type=" + shlex.quote(c["instanceType"]))
print("region=" + shlex.quote(c["region"]))
print("ssm_address=" + shlex.quote(c["ssmAddress"]))
print("secrets_address=" + shlex.quote(c.get("secretsAddress") or ""))
print("logs_address=" + shlex.quote(c.get("logsAddress") or ""))
print("dns_server=" + shlex.quote(c.get("dnsServer") or ""))
print("dns_search=" + shlex.quote(c.get("dnsSearch") or ""))
print("volumes=(" + " ".join(shlex.quote(f"{v['volumeId']} {v['device']} {v['major']} {v['minor']} {v.get('deviceName') or ''}") for v in c["volumes"]) + ")")
EOF
)"
say "boot $boot of $instance_id ($instance_type, $region)"

# firmware
if ! { mount -t tmpfs -o mode=0755,size=1m firmware /sys/firmware &&
  python3 "$sim/bin/smbios.py" /sys/firmware/dmi/tables "$instance_id" "$instance_type"; }; then
  say "firmware: could not write the SMBIOS tables"
fi

# udev
mkdir -p /dev/disk/by-id
for v in "${volumes[@]}"; do
  read -r vol_id device major minor device_name <<<"$v"
  by_id=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${vol_id//-/}
  # The kernel's node for the attached disk (devtmpfs on a VM; here made from the numbers the
  # harness attached).
  [[ -b $device ]] || mknod -m 660 "$device" b "$major" "$minor" || say "udev: could not make $device"
  if [[ -b $device ]]; then
    ln -sfn "../../${device#/dev/}" "$by_id"
    [[ -n $device_name ]] && ln -sfn "${device#/dev/}" "$device_name"
    say "udev: $device is $vol_id ($by_id${device_name:+, $device_name})"
  else
    say "udev: $vol_id is not attached ($device missing)"
  fi
done

say "udev: done"

# local-fs.target (a failing entry is reported, as systemd would without nofail)
if grep -Eq '^[[:space:]]*[^#[:space:]]' /etc/fstab 2>/dev/null; then
  mount -a 2>&1 | sed 's/^/local-fs: /'
fi

# network: remember what Docker configured (the address the VPC leases to this MAC), and start
# from an interface without an address, as a real boot does.
mkdir -p /run/berth-sim
python3 - >"$BERTH_SIM_NETWORK" <<'EOF'
import json, subprocess
ip = lambda *a: json.loads(subprocess.run(["ip", "-j", *a], check=True, capture_output=True, text=True).stdout)
addr = ip("-4", "addr", "show", "dev", "eth0")[0]["addr_info"][0]
route = ip("-4", "route", "show", "default")
print(json.dumps({"privateIp": addr["local"], "prefixLen": addr["prefixlen"], "broadcast": addr.get("broadcast"),
                  "gateway": route[0]["gateway"] if route else None,
                  "mac": open("/sys/class/net/eth0/address").read().strip()}))
EOF
read -r eth0_ip eth0_prefix eth0_gw < <(python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))
print(n["privateIp"], n["prefixLen"], n["gateway"])' "$BERTH_SIM_NETWORK")
ip -4 addr flush dev eth0
ip netns add aws
ip link add aws0 type veth peer name eth0 netns aws
ip addr add 169.254.0.1/32 dev aws0
ip link set aws0 up
for a in 169.254.169.254 "$ssm_address" ${secrets_address:+"$secrets_address"} ${logs_address:+"$logs_address"}; do
  ip route add "$a/32" dev aws0 src 169.254.0.1
  ip -n aws addr add "$a/32" dev eth0
done
ip -n aws link set lo up
ip -n aws link set eth0 up
ip -n aws route add 169.254.0.1/32 dev eth0
ip -n aws route add default via 169.254.0.1 dev eth0 onlink
say "network: eth0 ($eth0_ip/$eth0_prefix) waits for DHCP; 169.254.169.254 and $ssm_address are in netns aws"

# trust (the store is only rebuilt when the CA changed)
if ! cmp -s "$sim/world/ca.crt" /usr/local/share/ca-certificates/berth-sim-ca.crt; then
  install -m 0644 "$sim/world/ca.crt" /usr/local/share/ca-certificates/berth-sim-ca.crt
  update-ca-certificates >/dev/null 2>&1 || say "update-ca-certificates failed"
  say "trust: added the world's CA to the system store"
fi

# AWS, as seen from inside the instance
nsenter --net=/run/netns/aws python3 "$sim/bin/imds.py" >>"$state/imds.log" 2>&1 &
BERTH_SIM_SSM_ADDRESS=$ssm_address nsenter --net=/run/netns/aws python3 "$sim/bin/ssm.py" >>"$state/ssm.log" 2>&1 &
if [[ -n $secrets_address ]]; then
  BERTH_SIM_SERVICE=secretsmanager BERTH_SIM_SSM_ADDRESS=$secrets_address nsenter --net=/run/netns/aws \
    python3 "$sim/bin/ssm.py" >>"$state/secretsmanager.log" 2>&1 &
fi
if [[ -n $logs_address ]]; then
  BERTH_SIM_LOGS_ADDRESS=$logs_address nsenter --net=/run/netns/aws python3 "$sim/bin/logs.py" >>"$state/logs.log" 2>&1 &
fi
for _ in $(seq 200); do
  (exec 3<>/dev/tcp/169.254.169.254/80) 2>/dev/null && (exec 3<>"/dev/tcp/$ssm_address/443") 2>/dev/null &&
    { [[ -z $secrets_address ]] || (exec 3<>"/dev/tcp/$secrets_address/443") 2>/dev/null; } &&
    { [[ -z $logs_address ]] || (exec 3<>"/dev/tcp/$logs_address/443") 2>/dev/null; } && break
  sleep 0.05
done
say "aws: IMDS on 169.254.169.254:80, SSM on ssm.$region.amazonaws.com:443${secrets_address:+, Secrets Manager on secretsmanager.$region.amazonaws.com:443}${logs_address:+, CloudWatch Logs on logs.$region.amazonaws.com:443}"
t_services=$(ms)

: >/run/berth-sim/stages
stage() { # name args...: one cloud-init stage, as its systemd unit runs it
  local name=$1 s rc
  shift
  s=$(ms)
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 cloud-init "$@"
  rc=$?
  echo "$name $rc $(($(ms) - s))" >>/run/berth-sim/stages
}
log_start=$(stat -c %s /var/log/cloud-init.log 2>/dev/null || echo 0)

# cloud-init-local. No cache is cleared here, and none needs to be: /run is a fresh tmpfs on
# every start (world.ts runs the container with --tmpfs /run), so /run/cloud-init/.instance-id is
# gone; the Ec2 datasource has no check_instance_id, so cloud-init declares the cached datasource
# (/var/lib/cloud/instance/obj.pkl) invalid, unlinks /var/lib/cloud/instance and Ec2Local crawls
# IMDS afresh. That is how a real EC2 boot picks up user-data changed during a stop. Per-instance
# state (/var/lib/cloud/instances/<id>, sem/) stays, so per-instance parts run once per instance id.
stage init-local init --local

# systemd-networkd
ip link set dev eth0 up
ip addr replace "$eth0_ip/$eth0_prefix" brd + dev eth0
[[ $eth0_gw != None ]] && ip route replace default via "$eth0_gw" dev eth0
# The lease's DNS server, as networkd applies it. Docker's resolv.conf (its embedded 127.0.0.11)
# would serve the host but not the containers its dockerd runs (dockerd drops a loopback
# nameserver); the VPC's resolver serves both, as on EC2. The file is Docker's bind mount:
# rewritten in place.
if [[ -n $dns_server ]]; then
  printf 'nameserver %s\nsearch %s\n' "$dns_server" "$dns_search" >/etc/resolv.conf
  say "network: resolver $dns_server (search $dns_search)"
fi

stage init init
stage config modules --mode config
t_cloud_config=$(ms)

# docker.service
dockerd >>/var/log/docker.log 2>&1 &
dockerd_pid=$!
for _ in $(seq 600); do
  docker info >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.1
done
if docker info >/dev/null 2>&1; then
  say "docker.service: started"
else
  say "docker.service: failed to start"
  tail -n 20 /var/log/docker.log
fi
t_docker=$(ms)

stage final modules --mode final
t_done=$(ms)

python3 - "$state" "$boot" "$log_start" "$t0" "$t_services" "$t_cloud_config" "$t_docker" "$t_done" <<'EOF'
import json, os, re, sys
state, boot, log_start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0, t_services, t_config, t_docker, t_done = map(int, sys.argv[4:])
stages = {}
for line in open("/run/berth-sim/stages"):
    name, rc, ms = line.split()
    stages[name] = {"exitCode": int(rc), "ms": int(ms)}
try:
    result = json.load(open("/run/cloud-init/result.json"))["v1"]
except (OSError, ValueError, KeyError):
    result = None
log = ""
try:
    with open("/var/log/cloud-init.log", "rb") as f:
        f.seek(log_start)
        log = f.read().decode("utf-8", "replace")
except OSError:
    pass
# cloud-init logs a failing part at DEBUG level only: "Command: ['<path>']\nExit code: N".
failed = [{"path": m.group(1), "exitCode": int(m.group(2))}
          for m in re.finditer(r"Command: \['(/var/lib/cloud/[^']+)'\]\nExit code: (-?\d+)", log)]
errors = result.get("errors", []) if result is not None else ["cloud-init wrote no /run/cloud-init/result.json"]
summary = {
    "boot": boot,
    "ok": all(s["exitCode"] == 0 for s in stages.values()) and not errors and not failed,
    "stages": stages,
    "datasource": result.get("datasource") if result else None,
    "cloudInitErrors": errors,
    "failedScripts": failed,
    "timingsMs": {"toServices": t_services - t0, "cloudInitToConfig": t_config - t_services,
                  "docker": t_docker - t_config, "final": t_done - t_docker, "total": t_done - t0},
}
os.makedirs(os.path.join(state, "boots"), exist_ok=True)
tmp = os.path.join(state, "boots", f".{boot}.json")
with open(tmp, "w") as f:
    json.dump(summary, f, indent=1)
os.replace(tmp, os.path.join(state, "boots", f"{boot}.json"))
EOF
say "boot $boot finished in $(($(ms) - t0)) ms ($(tr '\n' ' ' </run/berth-sim/stages| sed 's/ $//'))"

sleep infinity &
wait $!
