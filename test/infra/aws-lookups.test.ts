// The mocks' data sources answer as the provider and EC2 do: a lookup gets the image or zones its
// arguments select, nothing it does not ask for, and a malformed lookup is refused.
import { describe, expect, it } from 'vitest';
import { AMAZON_OWNER_ID, IMAGES, amiLookup, instanceTypeOfferings } from '../support/aws-account.js';
import { AwsMocks } from '../support/pulumi-mocks.js';
import { al2023AmiLookup } from '../../infra/aws/ami.js';

/** The lookup the host makes (infra/aws/ami.ts), for an architecture. */
const berthLookup = al2023AmiLookup;
const without = (lookup: ReturnType<typeof berthLookup>, filter: string) => ({ ...lookup, filters: lookup.filters.filter((f) => f.name !== filter) });
const image = (id: unknown) => IMAGES.find((i) => i.imageId === id)!;

describe('getAmi', () => {
  it("berth's lookup gets the newest available Amazon Linux 2023 standard image of its architecture", () => {
    for (const arch of ['x86_64', 'arm64'] as const) {
      const found = amiLookup(berthLookup(arch));
      const candidates = IMAGES.filter((i) => i.ownerId === AMAZON_OWNER_ID && i.state === 'available' && i.architecture === arch && /^al2023-ami-2023\./.test(i.name));
      expect(candidates.length).toBeGreaterThan(1);
      const newest = candidates.reduce((a, b) => (b.creationDate > a.creationDate ? b : a));
      expect(found).toMatchObject({ id: newest.imageId, architecture: arch, ownerId: AMAZON_OWNER_ID, rootDeviceName: '/dev/xvda' });
    }
    expect(amiLookup(berthLookup('x86_64')).id).toBe('ami-05b10e08d247fb927');
  });

  it('each part of the lookup matters: without it, a newer image that berth must not run is chosen', () => {
    const lookup = berthLookup('x86_64');
    expect(image(amiLookup(without(lookup, 'state')).id).state).toBe('pending');
    // Any owner's image whose name matches: a look-alike published by another account is newer.
    expect(image(amiLookup({ ...lookup, owners: [AMAZON_OWNER_ID, '111122223333'] }).id).ownerId).toBe('111122223333');
    expect(image(amiLookup({ ...lookup, filters: [{ name: 'name', values: ['al2023-ami-*'] }, ...lookup.filters.slice(1)] }).id).name).toMatch(/^al2023-ami-minimal-/);
  });

  it('owners must include Amazon (by alias or account id) for the Amazon Linux images', () => {
    expect(amiLookup({ ...berthLookup('x86_64'), owners: [AMAZON_OWNER_ID] }).id).toBe('ami-05b10e08d247fb927');
    for (const owners of [['self'], ['aws-marketplace'], ['123456789012']]) {
      expect(() => amiLookup({ ...berthLookup('x86_64'), owners })).toThrow('Your query returned no results. Please change your search criteria and try again.');
    }
  });

  it('the name pattern must match an AL2023 name of that architecture', () => {
    const lookup = berthLookup('x86_64');
    const named = (pattern: string) => ({ ...lookup, filters: [{ name: 'name', values: [pattern] }, ...lookup.filters.slice(1)] });
    expect(() => amiLookup(named('al2023-ami-2023.*-kernel-*-arm64'))).toThrow(/Your query returned no results/);
    expect(() => amiLookup(named('al2023-ami-2023.*-kernel-6.12-x86_64'))).toThrow(/Your query returned no results/);
    expect(amiLookup(named('al2023-ami-2023.6.2025012?.0-kernel-*-x86_64')).id).toBe('ami-0a3c3a20c09d6f377');
  });

  it('an unknown filter name is refused as DescribeImages refuses it', () => {
    expect(() => amiLookup({ ...berthLookup('x86_64'), filters: [{ name: 'arch', values: ['x86_64'] }] })).toThrow("mock: InvalidParameterValue: The filter 'arch' is invalid");
  });

  it('the provider refuses mostRecent without an owner, and several results without mostRecent', () => {
    expect(() => amiLookup({ ...berthLookup('x86_64'), owners: [] })).toThrow(/Most Recent Image Not Filtered/);
    expect(() => amiLookup({ ...berthLookup('x86_64'), mostRecent: false })).toThrow(/more than one result/);
    expect(amiLookup({ ...berthLookup('x86_64'), mostRecent: false, filters: [{ name: 'image-id', values: ['ami-0a3c3a20c09d6f377'] }] }).id).toBe('ami-0a3c3a20c09d6f377');
  });

  it('an argument the model does not know is a mock error, not a silent answer', () => {
    expect(() => amiLookup({ ...berthLookup('x86_64'), executableUsers: ['self'] })).toThrow(/^mock: getAmi is not modelled with executableUsers/);
  });
});

describe('getInstanceTypeOfferings', () => {
  const offerings = (inputs: Record<string, unknown>) => instanceTypeOfferings(inputs) as { locations: string[]; instanceTypes: string[]; locationTypes: string[] };
  const byType = (type: string, locationType = 'availability-zone') => ({ locationType, filters: [{ name: 'instance-type', values: [type] }] });

  it('lists the zones that offer a type, in no particular order', () => {
    const t3 = offerings(byType('t3.micro'));
    expect([...t3.locations].sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f']);
    expect(new Set(t3.instanceTypes)).toEqual(new Set(['t3.micro']));
    expect(new Set(t3.locationTypes)).toEqual(new Set(['availability-zone']));
    expect(offerings(byType('t3.micro', 'region')).locations).toEqual(['us-east-1']);
    expect(offerings({ locationType: 'availability-zone', filters: [{ name: 'instance-type', values: ['t4g.*'] }, { name: 'location', values: ['us-east-1a'] }] }).instanceTypes.sort())
      .toEqual(['t4g.medium', 't4g.micro', 't4g.small']);
  });

  it('refuses an unknown location type or filter', () => {
    expect(() => offerings(byType('t3.micro', 'zone'))).toThrow(/^mock: InvalidParameterValue: Value \(zone\) for parameter locationType is invalid/);
    expect(() => offerings({ locationType: 'availability-zone', filters: [{ name: 'instance-types', values: ['t3.micro'] }] })).toThrow("mock: InvalidParameterValue: The filter 'instance-types' is invalid");
  });

  it('an instance type the account model does not hold is a mock error, not "offered nowhere"', () => {
    expect(() => offerings(byType('m5.large'))).toThrow(/^mock: no model of instance type m5.large/);
  });
});

describe('the mocks answer the program through these', () => {
  const mocks = new AwsMocks();
  const call = (token: string, inputs: Record<string, unknown>) => mocks.call({ token, inputs, provider: '' } as never);

  it('the AMI, the offerings, the default VPC and its subnet per zone', () => {
    expect(call('aws:ec2/getAmi:getAmi', { ...berthLookup('arm64') }).id).toBe('ami-0c5777a14602ab4b9');
    expect(call('aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings', { locationType: 'availability-zone', filters: [{ name: 'instance-type', values: ['t4g.small'] }] }).locations).toEqual(['us-east-1c', 'us-east-1a']);
    const vpc = call('aws:ec2/getVpc:getVpc', { default: true });
    expect(call('aws:ec2/getSubnet:getSubnet', { vpcId: vpc.id, availabilityZone: 'us-east-1c', defaultForAz: true })).toMatchObject({ availabilityZone: 'us-east-1c', vpcId: vpc.id });
  });

  it('and refuse what does not exist', () => {
    expect(() => call('aws:ec2/getVpc:getVpc', { id: 'vpc-0123456789abcdef0' })).toThrow(/only the default VPC/);
    expect(() => call('aws:ec2/getSubnet:getSubnet', { vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZone: 'us-west-2a', defaultForAz: true })).toThrow(/no such subnet/);
    expect(() => call('aws:ec2/getAvailabilityZones:getAvailabilityZones', {})).toThrow(/no AWS model for call/);
  });
});
