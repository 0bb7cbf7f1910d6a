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
