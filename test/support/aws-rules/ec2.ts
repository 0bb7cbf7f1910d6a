// The EC2 rules: security groups, EBS volumes, instances, volume attachments, Elastic IPs.
// Rules that look another resource up (the VPC, an image, a subnet, a group, a profile, an instance,
// a volume) answer with EC2's *.NotFound / *.Malformed family of codes; those codes, and the wording
// of their messages, are as recalled from EC2's answers, not read from a document. The same holds
// for "Invalid availability zone", the architecture mismatch and the user-data size message.
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_VPC, REGION, ZONES, defaultSubnet, instanceType } from '../aws-account.js';
import { type FieldRules, chars, ec2Tags, intIn, list, noConstraint, oneOf, rule } from './shared.js';

/** CreateSecurityGroup GroupDescription and IpRange/Ipv6Range Description share this set. */
const SG_TEXT = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const SG_SET = 'a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*';

function ipv4Network(cidr: string): string | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) return undefined;
  const n = m[1]!.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  const bits = BigInt(Number(m[2]));
  const network = (n >> (32n - bits)) << (32n - bits);
  return `${[24n, 16n, 8n, 0n].map((s) => String((network >> s) & 255n)).join('.')}/${m[2]}`;
}
function ipv6Expand(address: string): bigint | undefined {
  if (!isIPv6(address) || address.includes('.')) return undefined;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
function ipv6NetworkIsCanonical(cidr: string): boolean | undefined {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  const n = m ? ipv6Expand(m[1]!) : undefined;
  if (!m || n === undefined || Number(m[2]) > 128) return undefined;
  const host = 128n - BigInt(Number(m[2]));
  return ((n >> host) << host) === n;
}

const SG = 'EC2 API Reference, CreateSecurityGroup';
const RULE_CITE = 'EC2 API Reference, IpRange/Ipv6Range Description; TF internal/service/ec2/validate.go validSecurityGroupRuleDescription';
// AWS's own words for both descriptions, from its answers quoted in cds-snc/notification-terraform#561
// (group) and agentic-community/mcp-gateway-registry#1728 (rule).
const sgDescription = (what: 'security group' | 'rule') => (v: string) =>
  chars(v) <= 255 && SG_TEXT.test(v) ? undefined : `Invalid ${what} description. Valid descriptions are strings less than 256 characters from the following set:  ${SG_SET}`;

/** The fields of one security group rule (ingress or egress). */
function sgRuleFields(direction: 'ingress' | 'egress'): Record<string, FieldRules> {
  const p = `${direction}[]`;
  return {
    [`${p}.description`]: [rule('charset', 'InvalidParameterValue', RULE_CITE, sgDescription('rule'))],
    // IpPermission IpProtocol: tcp, udp, icmp, icmpv6, a protocol number, or -1 for all (model);
    // TF accepts "all" for -1 (vpc_security_group.go protocolStateFunc).
    [`${p}.protocol`]: [rule('protocol', 'InvalidParameterValue', 'EC2 API Reference, IpPermission IpProtocol', (v) =>
      ['tcp', 'udp', 'icmp', 'icmpv6', '-1', 'all'].includes(String(v)) || (/^\d{1,3}$/.test(String(v)) && Number(v) <= 255) ? undefined : `Invalid value '${String(v)}' for IP protocol. Unknown protocol.`)],
    // "For tcp, udp, and icmp, you must specify a port range" (IpPermission FromPort/ToPort, model):
    // 0..65535 with from ≤ to; for -1 (all) the ports are not used, and TF sends 0/0.
    [`${p}.fromPort`]: [rule('port-range', 'InvalidParameterValue', 'EC2 API Reference, IpPermission FromPort/ToPort', (v, { parent }) => {
      if (!['tcp', 'udp', '6', '17'].includes(String(parent.protocol))) return undefined;
      return intIn(0, 65535)(v) ?? (Number.isInteger(parent.toPort) && v > parent.toPort ? `from port ${v} is above to port ${parent.toPort}` : undefined);
    })],
    [`${p}.toPort`]: [rule('port', 'InvalidParameterValue', 'EC2 API Reference, IpPermission FromPort/ToPort', (v, { parent }) =>
      ['tcp', 'udp', '6', '17'].includes(String(parent.protocol)) ? intIn(0, 65535)(v) : undefined)],
    // TF refuses a CIDR that is not a network address before calling AWS (internal/verify/validate.go
    // ValidIPv4CIDRNetworkAddress / ValidIPv6CIDRNetworkAddress), in these words; AWS itself would
    // canonicalize it (IpRange CidrIp, model). Hence the code: the provider's, not an AWS code.
    // UserIdGroupPair GroupId: a group that exists in the same VPC (AuthorizeSecurityGroupIngress,
    // model; "InvalidGroup.NotFound" is the code the EC2 API's error list gives for a missing group).
    [`${p}.securityGroups`]: [rule('exists', 'InvalidGroup.NotFound', 'EC2 API Reference, UserIdGroupPair GroupId; EC2 error codes InvalidGroup.NotFound', (v, { world }) => {
      const missing = list(v).find((id) => !world.resource('aws:ec2/securityGroup:SecurityGroup', String(id)));
      return missing ? `The security group '${String(missing)}' does not exist in VPC '${DEFAULT_VPC.id}'` : undefined;
    })],
    [`${p}.cidrBlocks`]: [rule('ipv4-network', 'ProviderValidation', 'TF internal/verify/validate.go ValidIPv4CIDRNetworkAddress; EC2 API Reference, IpRange CidrIp', (v) => {
      for (const cidr of list(v).map(String)) {
        const network = ipv4Network(cidr);
        if (!network) return `"${cidr}" is not a valid CIDR block`;
        if (network !== cidr) return `"${cidr}" is not a valid IPv4 CIDR block; did you mean "${network}"?`;
      }
      return undefined;
    })],
    [`${p}.ipv6CidrBlocks`]: [rule('ipv6-network', 'ProviderValidation', 'TF internal/verify/validate.go ValidIPv6CIDRNetworkAddress; EC2 API Reference, Ipv6Range CidrIpv6', (v) => {
      for (const cidr of list(v).map(String)) {
        const canonical = ipv6NetworkIsCanonical(cidr);
        if (canonical === undefined) return `"${cidr}" is not a valid CIDR block`;
        if (!canonical) return `"${cidr}" is not a valid IPv6 CIDR block`;
      }
      return undefined;
    })],
  };
}

// Amazon VPC quotas, Security groups: 60 inbound and 60 outbound rules per group, counted separately
// for IPv4 and IPv6; each CIDR of a rule is one rule (awsdocs/amazon-vpc-user-guide,
// doc_source/amazon-vpc-limits.md). The code is EC2's RulesPerSecurityGroupLimitExceeded (recalled).
const sgRuleCount = (direction: string) => rule('quota', 'RulesPerSecurityGroupLimitExceeded', 'Amazon VPC User Guide, Amazon VPC quotas: Inbound or outbound rules per security group (60)', (rules) => {
  const count = (key: string) => list(rules).reduce<number>((n, r: any) => n + list(r?.[key]).length, 0);
  for (const [key, family] of [['cidrBlocks', 'IPv4'], ['ipv6CidrBlocks', 'IPv6']] as const) {
    if (count(key) > 60) return `${count(key)} ${family} ${direction} rules; a security group holds at most 60`;
  }
  return undefined;
});

// RunInstances UserData: "User data is limited to 16 KB, in raw form, before it is base64-encoded"
// (EC2 User Guide, Work with instance user data). The provider sends userDataBase64 as given.
const USER_DATA_LIMIT = 16 * 1024;

export const EC2_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:ec2/securityGroup:SecurityGroup': {
    // GroupDescription: "Up to 255 characters … a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"
    // (model). TF checks only the length (vpc_security_group.go: StringLenBetween(0, 255), ForceNew),
    // so a bad character fails at CreateSecurityGroup, during `pulumi up`.
    description: [rule('charset', 'InvalidParameterValue', `${SG} GroupDescription [model]`, sgDescription('security group'))],
    // GroupName: the same set, up to 255, not starting with sg- (model); Pulumi names the group when
    // berth does not.
    name: [rule('pattern', 'InvalidParameterValue', `${SG} GroupName [model]`, (v) =>
      chars(v) <= 255 && SG_TEXT.test(v) && !/^sg-/.test(v) ? undefined : `Invalid group name ${String(v)}: up to 255 of ${SG_SET}, not starting with sg-`)],
    vpcId: [rule('exists', 'InvalidVpcID.NotFound', `${SG} VpcId`, (v) => (v === DEFAULT_VPC.id ? undefined : `The vpc ID '${String(v)}' does not exist`))],
    ingress: [sgRuleCount('inbound')],
    egress: [sgRuleCount('outbound')],
    ...sgRuleFields('ingress'),
    ...sgRuleFields('egress'),
    tags: ec2Tags,
  },

  'aws:ebs/volume:Volume': {
    // AvailabilityZone: a zone of the region (CreateVolume, model). The wording is recalled.
    availabilityZone: [rule('zone', 'InvalidParameterValue', 'EC2 API Reference, CreateVolume AvailabilityZone', (v) =>
      ZONES.includes(String(v)) ? undefined : `Invalid availability zone: [${String(v)}]`)],
    // Size by type (CreateVolume Size, model): gp2 1-16,384; gp3 1-65,536; io1 4-16,384; io2
    // 4-65,536; st1 and sc1 125-16,384; standard 1-1024 GiB. (gp3 was 16,384 until AWS raised it.)
    size: [rule('range', 'InvalidParameterValue', 'EC2 API Reference, CreateVolume Size [model]', (v, { inputs }) => {
      const ranges: Record<string, [number, number]> = { gp2: [1, 16384], gp3: [1, 65536], io1: [4, 16384], io2: [4, 65536], st1: [125, 16384], sc1: [125, 16384], standard: [1, 1024] };
      const [min, max] = ranges[String(inputs.type ?? 'gp2')] ?? [1, 16384];
      return intIn(min, max)(v) && `Volume size ${JSON.stringify(v)} GiB is out of range for ${inputs.type ?? 'gp2'} (${min}-${max} GiB)`;
    })],
    type: [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, CreateVolume VolumeType [model]', oneOf(['standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3']))],
    encrypted: noConstraint('a boolean; every current-generation instance type supports EBS encryption (CreateVolume Encrypted)'),
    // SnapshotId: the snapshot to make the volume from (CreateVolume SnapshotId); the id's form is
    // snap- and 8 or 17 hex digits (EC2 resource ids). A snapshot the account cannot see is
    // InvalidSnapshot.NotFound (EC2 error codes, as recalled): the mocks' account holds none, so
    // only the form is checked here.
    snapshotId: [rule('id', 'InvalidSnapshotID.Malformed', 'EC2 API Reference, CreateVolume SnapshotId; EC2 error codes (code as recalled)', (v) =>
      /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(String(v)) ? undefined : `Invalid id: "${String(v)}" (expecting "snap-...")`)],
    finalSnapshot: noConstraint("the provider's own switch: CreateSnapshot before DeleteVolume (resourceEBSVolumeDelete, TF ec2/ebs_volume.go); not sent to CreateVolume"),
    tags: ec2Tags,
  },

  'aws:ec2/instance:Instance': {
    // ImageId must name an image the account can launch (DescribeImages' catalogue in aws-account.ts).
    ami: [rule('exists', 'InvalidAMIID.NotFound', 'EC2 API Reference, RunInstances ImageId', (v, { world }) =>
      world.account.images.some((i) => i.imageId === v && i.state === 'available') ? undefined : `The image id '[${String(v)}]' does not exist`)],
    instanceType: [
      // RunInstances InstanceType is an enum (model); aws-account.ts holds the types the tests use.
      rule('offered', 'Unsupported', 'EC2 API Reference, RunInstances InstanceType; DescribeInstanceTypeOfferings', (v, { inputs, world }) =>
        !ZONES.includes(inputs.availabilityZone) || instanceType(String(v), world.account).zones.includes(inputs.availabilityZone)
          ? undefined
          : `Your requested instance type (${String(v)}) is not supported in your requested Availability Zone (${inputs.availabilityZone}).`),
      // An arm64 type runs an arm64 image; EC2 refuses the mix (wording recalled).
      rule('architecture', 'InvalidParameterValue', 'EC2 API Reference, RunInstances; EC2 User Guide, AMI architecture', (v, { inputs, world }) => {
        const image = world.account.images.find((i) => i.imageId === inputs.ami);
        const arch = instanceType(String(v), world.account).architecture;
        return image && image.architecture !== arch
          ? `The architecture '${arch}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`
          : undefined;
      }),
    ],
    availabilityZone: [rule('zone', 'InvalidParameterValue', 'EC2 API Reference, RunInstances Placement.AvailabilityZone', (v) =>
      ZONES.includes(String(v)) ? undefined : `Invalid availability zone: [${String(v)}]`)],
    subnetId: [rule('exists-in-zone', 'InvalidSubnetID.NotFound', 'EC2 API Reference, RunInstances SubnetId', (v, { inputs }) =>
      ZONES.some((z) => defaultSubnet(z).id === v && (inputs.availabilityZone === undefined || inputs.availabilityZone === z))
        ? undefined
        : `The subnet ID '${String(v)}' does not exist in ${inputs.availabilityZone ?? REGION}`)],
    vpcSecurityGroupIds: [rule('exists', 'InvalidGroup.NotFound', 'EC2 API Reference, RunInstances SecurityGroupIds', (v, { world }) => {
      const missing = list(v).find((id) => !world.resource('aws:ec2/securityGroup:SecurityGroup', String(id)));
      return missing ? `The security group '${String(missing)}' does not exist in VPC '${DEFAULT_VPC.id}'` : undefined;
    })],
    iamInstanceProfile: [rule('exists', 'InvalidParameterValue', 'EC2 API Reference, RunInstances IamInstanceProfile', (v, { world }) =>
      world.resource('aws:iam/instanceProfile:InstanceProfile', String(v)) ? undefined : `Value (${String(v)}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`)],
    // InstanceMetadataOptionsRequest (model): HttpEndpoint enabled|disabled, HttpTokens
    // optional|required, HttpPutResponseHopLimit 1..64.
    'metadataOptions.httpEndpoint': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, InstanceMetadataOptionsRequest HttpEndpoint [model]', oneOf(['enabled', 'disabled']))],
    'metadataOptions.httpTokens': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, InstanceMetadataOptionsRequest HttpTokens [model]', oneOf(['optional', 'required']))],
    'metadataOptions.httpPutResponseHopLimit': [rule('range', 'InvalidParameterValue', 'EC2 API Reference, InstanceMetadataOptionsRequest HttpPutResponseHopLimit [model]', intIn(1, 64))],
    'rootBlockDevice.encrypted': noConstraint('a boolean (EbsBlockDevice Encrypted)'),
    'rootBlockDevice.deleteOnTermination': noConstraint('a boolean (EbsBlockDevice DeleteOnTermination)'),
    'rootBlockDevice.volumeType': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, EbsBlockDevice VolumeType [model]', oneOf(['standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3']))],
    'rootBlockDevice.tags': ec2Tags,
    userDataBase64: [rule('size', 'InvalidParameterValue', 'EC2 User Guide, Work with instance user data (16 KB before base64); RunInstances UserData', (v) => {
      const text = String(v);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return 'Invalid BASE64 encoding of user data.';
      const raw = Buffer.from(text, 'base64').length;
      return raw > USER_DATA_LIMIT ? `User data is limited to ${USER_DATA_LIMIT} bytes; this is ${raw} bytes before base64` : undefined;
    })],
    userDataReplaceOnChange: noConstraint("the provider's own switch (replace, or stop and start, on a user-data change); not sent to EC2"),
    tags: ec2Tags,
  },

  'aws:ec2/volumeAttachment:VolumeAttachment': {
    // EC2 User Guide, Device names for volumes (awsdocs/amazon-ec2-user-guide doc_source/device_naming.md,
    // and the current page on docs.amazonaws.cn): on HVM (AL2023) the available names are /dev/sd[a-z],
    // /dev/xvd[a-d][a-z] and /dev/xvd[e-z] (the older page had /dev/xvd[b-c][a-z]), with no trailing
    // digit except /dev/sda1 (reserved for the root) and /dev/sda2; the root is /dev/sda1 or
    // /dev/xvda by AMI (AL2023's: /dev/xvda), and taken. /dev/sd[f-p], which berth uses, is the range
    // recommended for EBS volumes; the page "strongly recommends" against the instance-store names
    // /dev/sd[b-e], but EC2 accepts them, so the mock does too. AWS's words are from its answers
    // (sous-chefs/aws#148, kubernetes/kubernetes#42293; nanovms/ops#1189 for a name in use).
    deviceName: [
      rule('available', 'InvalidParameterValue', 'EC2 User Guide, Device names for volumes: Available device names (HVM)', (v) => {
        const name = String(v);
        const ok = /^\/dev\/sd[a-z]$/.test(name) || /^\/dev\/sda[12]$/.test(name) || /^(\/dev\/)?xvd([a-d][a-z]|[e-z]|a)$/.test(name);
        return ok ? undefined : `Value (${name}) for parameter device is invalid. ${name} is not a valid EBS device name.`;
      }),
      rule('not-root', 'InvalidParameterValue', 'EC2 User Guide, Device names for volumes: Reserved for root', (v, { inputs, world }) => {
        const instance = world.resource('aws:ec2/instance:Instance', String(inputs.instanceId));
        const root = world.account.images.find((i) => i.imageId === instance?.inputs.ami)?.rootDeviceName;
        return root !== undefined && [root, root.replace('/dev/', '')].includes(String(v))
          ? `Invalid value '${String(v)}' for unixDevice. Attachment point ${String(v)} is already in use`
          : undefined;
      }),
    ],
    instanceId: [rule('exists', 'InvalidInstanceID.NotFound', 'EC2 API Reference, AttachVolume InstanceId', (v, { world }) =>
      world.resource('aws:ec2/instance:Instance', String(v)) ? undefined : `The instance ID '${String(v)}' does not exist`)],
    // "The volume and instance must be within the same Availability Zone" (AttachVolume VolumeId, model).
    volumeId: [rule('same-zone', 'InvalidVolume.ZoneMismatch', 'EC2 API Reference, AttachVolume VolumeId [model]', (v, { inputs, world }) => {
      const volume = world.resource('aws:ebs/volume:Volume', String(v));
      const instance = world.resource('aws:ec2/instance:Instance', String(inputs.instanceId));
      if (!volume) return `The volume '${String(v)}' does not exist.`;
      return instance && volume.inputs.availabilityZone !== instance.inputs.availabilityZone
        ? `The volume '${String(v)}' is not in the same availability zone as instance '${String(inputs.instanceId)}'`
        : undefined;
    })],
    stopInstanceBeforeDetaching: noConstraint("the provider's own switch (StopInstances before DetachVolume); not sent to EC2"),
  },

  // The fleet's launch template (issue 14). CreateLaunchTemplate checks names and shapes; what it
  // cannot launch (an unknown image, a type/image mismatch) it answers with a ValidationWarning
  // rather than an error, and the group's launches then fail with the codes below (CreateLaunchTemplate
  // Warning, model). The mock refuses at create, so the failure shows where the template is made.
  'aws:ec2/launchTemplate:LaunchTemplate': {
    // LaunchTemplateName: [a-zA-Z0-9\(\)\.\-/_]+, 3..128 (model, CreateLaunchTemplate).
    name: [rule('pattern', 'InvalidLaunchTemplateName.MalformedException', 'EC2 API Reference, CreateLaunchTemplate LaunchTemplateName [model]', (v) =>
      /^[a-zA-Z0-9().\-/_]{3,128}$/.test(String(v)) ? undefined : `Launch template name '${String(v)}' must be 3 to 128 of a-zA-Z0-9()./_-`)],
    namePrefix: [rule('pattern', 'ProviderValidation', 'TF internal/service/ec2/ec2_launch_template.go name_prefix (102 characters and the same set)', (v) =>
      /^[a-zA-Z0-9().\-/_]{1,102}$/.test(String(v)) ? undefined : `name_prefix '${String(v)}' must be 1 to 102 of a-zA-Z0-9()./_-`)],
    // VersionDescription: up to 255 characters (model).
    description: [rule('length', 'InvalidParameterValue', 'EC2 API Reference, CreateLaunchTemplate VersionDescription (max 255) [model]', (v) =>
      chars(String(v)) <= 255 ? undefined : `Version description is ${chars(String(v))} characters; at most 255`)],
    imageId: [rule('exists', 'InvalidAMIID.NotFound', 'EC2 API Reference, RequestLaunchTemplateData ImageId; CreateLaunchTemplate Warning', (v, { world }) =>
      world.account.images.some((i) => i.imageId === v && i.state === 'available') ? undefined : `The image id '[${String(v)}]' does not exist`)],
    instanceType: [
      rule('offered', 'InvalidParameterValue', 'EC2 API Reference, RequestLaunchTemplateData InstanceType', (v, { world }) =>
        world.account.instanceTypes[String(v)] ? undefined : `Invalid value '${String(v)}' for InstanceType.`),
      rule('architecture', 'InvalidParameterValue', 'EC2 API Reference, RunInstances; EC2 User Guide, AMI architecture', (v, { inputs, world }) => {
        const image = world.account.images.find((i) => i.imageId === inputs.imageId);
        const arch = world.account.instanceTypes[String(v)]?.architecture;
        return image && arch && image.architecture !== arch
          ? `The architecture '${arch}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`
          : undefined;
      }),
    ],
    // RequestLaunchTemplateData UserData: "The user data must be base64-encoded" (model); the
    // provider sends it as given, and EC2 refuses what does not decode ("Invalid BASE64 encoding of
    // user data", recalled), and more than 16 KB raw (EC2 User Guide, Work with instance user data).
    userData: [rule('base64', 'InvalidUserData.Malformed', 'EC2 API Reference, RequestLaunchTemplateData UserData [model]; EC2 User Guide, instance user data (16 KB)', (v) => {
      const text = String(v);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return 'Invalid BASE64 encoding of user data.';
      const raw = Buffer.from(text, 'base64').length;
      return raw > USER_DATA_LIMIT ? `User data is limited to ${USER_DATA_LIMIT} bytes; this is ${raw} bytes before base64` : undefined;
    })],
    // LaunchTemplateIamInstanceProfileSpecificationRequest: Arn or Name (model).
    'iamInstanceProfile.name': [rule('exists', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateIamInstanceProfileSpecificationRequest Name', (v, { world }) =>
      world.resource('aws:iam/instanceProfile:InstanceProfile', String(v)) ? undefined : `Value (${String(v)}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`)],
    'iamInstanceProfile.arn': [rule('arn', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateIamInstanceProfileSpecificationRequest Arn', (v, { parent }) =>
      parent.name !== undefined ? 'Specify the instance profile by name or by ARN, not both'
        : /^arn:aws:iam::\d{12}:instance-profile\/[\w+=,.@/-]+$/.test(String(v)) ? undefined : `Value (${String(v)}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`)],
    vpcSecurityGroupIds: [rule('exists', 'InvalidGroup.NotFound', 'EC2 API Reference, RequestLaunchTemplateData SecurityGroupIds', (v, { world }) => {
      const missing = list(v).find((id) => !world.resource('aws:ec2/securityGroup:SecurityGroup', String(id)));
      return missing ? `The security group '${String(missing)}' does not exist in VPC '${DEFAULT_VPC.id}'` : undefined;
    })],
    // LaunchTemplateInstanceMetadataOptionsRequest (model): the instance's, plus InstanceMetadataTags.
    'metadataOptions.httpEndpoint': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateInstanceMetadataOptionsRequest HttpEndpoint [model]', oneOf(['enabled', 'disabled']))],
    'metadataOptions.httpTokens': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateInstanceMetadataOptionsRequest HttpTokens [model]', oneOf(['optional', 'required']))],
    'metadataOptions.httpPutResponseHopLimit': [rule('range', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateInstanceMetadataOptionsRequest HttpPutResponseHopLimit [model]', intIn(1, 64))],
    'metadataOptions.instanceMetadataTags': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateInstanceMetadataOptionsRequest InstanceMetadataTags [model]', oneOf(['enabled', 'disabled']))],
    'blockDeviceMappings[].deviceName': [rule('available', 'InvalidBlockDeviceMapping', 'EC2 User Guide, Device names for volumes (HVM); LaunchTemplateBlockDeviceMappingRequest DeviceName', (v) =>
      /^\/dev\/(sd[a-z]|sda[12]|xvd([a-d][a-z]|[e-z]|a))$/.test(String(v)) ? undefined : `Invalid device name ${String(v)}`)],
    'blockDeviceMappings[].ebs.volumeType': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateEbsBlockDeviceRequest VolumeType [model]', oneOf(['standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3']))],
    // VolumeSize by type, as CreateVolume's (LaunchTemplateEbsBlockDeviceRequest VolumeSize, model).
    'blockDeviceMappings[].ebs.volumeSize': [rule('range', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateEbsBlockDeviceRequest VolumeSize [model]', (v, { parent }) => {
      const ranges: Record<string, [number, number]> = { gp2: [1, 16384], gp3: [1, 65536], io1: [4, 16384], io2: [4, 65536], st1: [125, 16384], sc1: [125, 16384], standard: [1, 1024] };
      const [min, max] = ranges[String(parent.volumeType ?? 'gp2')] ?? [1, 16384];
      return intIn(min, max)(v) && `Volume size ${JSON.stringify(v)} GiB is out of range for ${parent.volumeType ?? 'gp2'} (${min}-${max} GiB)`;
    })],
    'blockDeviceMappings[].ebs.encrypted': noConstraint('a boolean (LaunchTemplateEbsBlockDeviceRequest Encrypted); the provider sends it as "true"/"false"'),
    'blockDeviceMappings[].ebs.deleteOnTermination': noConstraint('a boolean (LaunchTemplateEbsBlockDeviceRequest DeleteOnTermination)'),
    // LaunchTemplateTagSpecificationRequest ResourceType: "instance | volume | network-interface |
    // spot-instances-request" are the types a launch template can tag (model documentation).
    'tagSpecifications[].resourceType': [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, LaunchTemplateTagSpecificationRequest ResourceType [model]', oneOf(['instance', 'volume', 'network-interface', 'spot-instances-request']))],
    'tagSpecifications[].tags': ec2Tags,
    'monitoring.enabled': noConstraint('a boolean (detailed monitoring)'),
    updateDefaultVersion: noConstraint("the provider's own switch (ModifyLaunchTemplate DefaultVersion after a new version)"),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    tags: ec2Tags,
  },

  'aws:ec2/eip:Eip': {
    // AllocateAddress Domain: vpc | standard (model); standard was EC2-Classic's, retired in 2023.
    domain: [rule('enum', 'InvalidParameterValue', 'EC2 API Reference, AllocateAddress Domain [model]', oneOf(['vpc', 'standard']))],
    instance: [rule('exists', 'InvalidInstanceID.NotFound', 'EC2 API Reference, AssociateAddress InstanceId', (v, { world }) =>
      world.resource('aws:ec2/instance:Instance', String(v)) ? undefined : `The instance ID '${String(v)}' does not exist`)],
    tags: ec2Tags,
  },
};
