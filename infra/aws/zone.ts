// Where the host and its data live. An EBS volume lives in one availability zone and attaches only
// to an instance in that zone, and a new zone for the volume would be a new, empty volume
// (availability_zone is ForceNew: hashicorp/terraform-provider-aws internal/service/ec2/ebs_volume.go).
// So a stack picks its zone once, when its volume is made, and every host it runs after that goes
// to the volume's zone. Pure: infra/components/single-host.ts wires it.

const sorted = (zones: readonly string[]) => [...zones].sort();

/** A new stack's zone: the first, by name, that offers the instance type (the API lists zones in no order). */
export function firstZone(instanceType: string, offered: readonly string[]): string {
  const zone = sorted(offered)[0];
  if (!zone) throw new Error(`berth:instanceType: ${instanceType} is not offered in any availability zone of this region; choose another type`);
  return zone;
}

/** The host's zone: the data volume's. A type not offered there is refused: the data does not move. */
export function hostZone(instanceType: string, offered: readonly string[], volumeZone: string): string {
  if (!offered.includes(volumeZone)) {
    const elsewhere = offered.length > 0 ? `it is offered in ${sorted(offered).join(', ')}` : 'it is offered in no zone of this region';
    throw new Error(
      `berth:instanceType: ${instanceType} is not offered in ${volumeZone}, where this stack's data volume is (${elsewhere}); choose a type offered in ${volumeZone}`,
    );
  }
  return volumeZone;
}

/** A fleet spreads over this many zones: the fewest an ALB takes (CreateLoadBalancer Subnets:
 * "you must specify subnets from at least two Availability Zones"), and no more, because the
 * load balancer holds a public IPv4 address in each of its zones, each billed by the hour, and a
 * host must be in one of its zones to get traffic. */
export const FLEET_MIN_ZONES = 2;

/** The zones a fleet uses: the first two by name that offer the instance type (the API lists them in no order). */
export function fleetZones(instanceType: string, offered: readonly string[]): string[] {
  const zones = [...new Set(offered)].sort();
  if (zones.length < FLEET_MIN_ZONES) {
    throw new Error(`berth:instanceType: ${instanceType} is offered in ${zones.length === 0 ? 'no zone' : `only ${zones.join(', ')}`} of this region; a fleet needs ${FLEET_MIN_ZONES} zones: choose a type offered more widely`);
  }
  return zones.slice(0, FLEET_MIN_ZONES);
}

/** The default subnets a fleet's hosts and load balancer use: one per zone, at least two. */
export function fleetSubnets(zones: readonly string[], subnetIds: readonly string[]): string[] {
  const ids = [...new Set(subnetIds)].sort();
  if (ids.length < FLEET_MIN_ZONES) {
    throw new Error(`berth:fleet: the default VPC has ${ids.length} default subnet(s) in ${zones.join(', ')}; a fleet needs ${FLEET_MIN_ZONES} zones: create the missing default subnets (aws ec2 create-default-subnet --availability-zone <zone>)`);
  }
  return ids;
}
