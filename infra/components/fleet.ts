// berth:fleet:Fleet runs the app on several hosts from AWS's own machinery: an Auto Scaling group
// of Amazon Linux 2023 hosts launched from one template (the same bootstrap user-data a single host
// boots), an internet-facing Application Load Balancer in front, TLS there with an ACM certificate
// for berth:domain, and, unless berth:database.engine is none, an RDS PostgreSQL database
// (Database). Above the machines it shares the single host's parts: Secrets, Identity (which here
// may also read the database's secret and write the stack's log group) and ReleaseChannel, whose
// association targets the fleet's tag with rate control, so a release rolls maxUnavailable hosts
// at a time, each a health-gated swap behind its own proxy, and stops at the first failure.
// What it decides is plain data elsewhere: the network rules (infra/host/settings.ts,
// fleetNetworkRules), the target group's checks and the refresh (infra/aws/target-group.ts), the
// rate control and targets (infra/release/association.ts), the DNS records (infra/aws/dns-records.ts).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AppSpec } from '../app/spec.js';
import { al2023AmiLookup } from '../aws/ami.js';
import { type DnsRecord, describeRecords, recordsToCreate } from '../aws/dns-records.js';
import { HOST_BOOT_GRACE_S, INSTANCE_REFRESH, TARGET_HEALTH, TLS_POLICY, healthCheck } from '../aws/target-group.js';
import { fleetLogGroupName } from '../aws/names.js';
import type { DatabaseSpec, FleetSpec } from '../config/fleet.js';
import { packUserData, renderUserData } from '../host/bootstrap.js';
import { fetchScript } from '../host/scripts.js';
import { type HostSetup, type VpcFacts, fleetHostSetup, fleetNetworkRules } from '../host/settings.js';
import { serviceUrl } from '../host/url.js';
import { FLEET_TAG, fleetTargets, rateControl } from '../release/association.js';
import type { ReleasePolicy } from '../release/release.js';
import { type Transform, namedTags, transformed } from './child.js';
import { Database, type DatabaseArgs, databaseName, finalSnapshotIdentifier } from './database.js';
import { Identity, type IdentityArgs } from './identity.js';
import { ReleaseChannel, type ReleaseChannelArgs } from './release-channel.js';
import { Secrets, type SecretsArgs } from './secrets.js';

export interface FleetArgs {
  /** The app to run (berth:app); plain data, shared with the local commands. */
  readonly app: AppSpec;
  readonly region: pulumi.Input<string>;
  /** repository@sha256:… to run. */
  readonly imageRef: pulumi.Input<string>;
  readonly registry: pulumi.Input<string>;
  readonly registryUsername: pulumi.Input<string>;
  readonly registryToken: pulumi.Input<string>;
  readonly env: pulumi.Input<Readonly<Record<string, string>>>;
  readonly secretEnv: pulumi.Input<Readonly<Record<string, string>>>;
  readonly secretEnvNames: readonly string[];
  readonly instanceType: pulumi.Input<string>;
  readonly architecture: 'x86_64' | 'arm64';
  /** The proxy's port on each host: what the target group sends requests and health checks to. */
  readonly hostPort: number;
  /** HTTPS at the load balancer for this name (ACM, DNS validation); HTTP on 80 redirects to it. */
  readonly domain?: string;
  /** The domain's Route 53 zone: berth writes the validation and alias records there. */
  readonly hostedZoneId?: string;
  readonly releasePolicy: ReleasePolicy;
  readonly allowedCidrs: pulumi.Input<readonly string[]>;
  /** The default VPC, with its IPv4 block (the load balancer's way to the hosts). */
  readonly vpc: VpcFacts & { readonly cidrBlock: string };
  /** Default subnets of at least two zones that offer the instance type (index.ts looks them up). */
  readonly subnetIds: readonly string[];
  readonly fleet: FleetSpec;
  /** Unset: no database (berth:database.engine none). */
  readonly database?: DatabaseSpec;
  /** The database is made from this DB snapshot (berth:restoreDbSnapshot). */
  readonly restoreDbSnapshot?: string;
  /** Pulumi project and stack: the fleet's tag value, the log group and the final snapshot's names. */
  readonly project: string;
  readonly stack: string;
  /** SSM parameter path for this stack's secrets and releases: /<project>/<stack>. */
  readonly parameterPath: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly permissionsBoundary?: pulumi.Input<string>;
  /** Changes any child's arguments before it is made (see child.ts: the user's responsibility). */
  readonly transform?: {
    readonly loadBalancerSecurityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    readonly hostsSecurityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    readonly logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    readonly launchTemplate?: Transform<aws.ec2.LaunchTemplateArgs>;
    readonly targetGroup?: Transform<aws.lb.TargetGroupArgs>;
    readonly loadBalancer?: Transform<aws.lb.LoadBalancerArgs>;
    readonly httpListener?: Transform<aws.lb.ListenerArgs>;
    readonly httpsListener?: Transform<aws.lb.ListenerArgs>;
    readonly certificate?: Transform<aws.acm.CertificateArgs>;
    readonly validationRecord?: Transform<aws.route53.RecordArgs>;
    readonly certificateValidation?: Transform<aws.acm.CertificateValidationArgs>;
    readonly aliasRecord?: Transform<aws.route53.RecordArgs>;
    readonly group?: Transform<aws.autoscaling.GroupArgs>;
    readonly cpuPolicy?: Transform<aws.autoscaling.PolicyArgs>;
    readonly database?: DatabaseArgs['transform'];
    readonly secrets?: SecretsArgs['transform'];
    readonly identity?: IdentityArgs['transform'];
    readonly releaseChannel?: ReleaseChannelArgs['transform'];
  };
}

export class Fleet extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** Records the user must create in the domain's DNS (none with a hosted zone or without a domain). */
  readonly dnsRecords: pulumi.Output<DnsRecord[]>;
  readonly groupName: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly hostsSecurityGroupId: pulumi.Output<string>;
  readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  /** host:port of the database; undefined without one. */
  readonly databaseEndpoint?: pulumi.Output<string>;
  /** ARN of the RDS-managed secret (not the password); undefined without a database. */
  readonly databaseSecretArn?: pulumi.Output<string>;
  readonly releaseId: pulumi.Output<string>;
  readonly associationId: pulumi.Output<string>;

  constructor(name: string, args: FleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:fleet:Fleet', name, {}, opts);
    const parent = { parent: this };
    const rules = pulumi.output(args.allowedCidrs).apply((cidrs) => fleetNetworkRules({ hostPort: args.hostPort, domain: args.domain !== undefined }, cidrs, args.vpc));
    const albSecurityGroup = this.createLoadBalancerSecurityGroup(name, args, rules);
    const hostsSecurityGroup = this.createHostsSecurityGroup(name, args, rules, albSecurityGroup);

    const database = args.database
      ? new Database(
          name,
          {
            spec: args.database,
            dbName: databaseName(args.app.name),
            finalSnapshotIdentifier: finalSnapshotIdentifier(args.project, args.stack, args.restoreDbSnapshot),
            ...(args.restoreDbSnapshot ? { restoreSnapshot: args.restoreDbSnapshot } : {}),
            vpcId: args.vpc.id,
            subnetIds: [...args.subnetIds],
            clientSecurityGroupId: hostsSecurityGroup.id,
            tags: args.tags,
            transform: args.transform?.database,
          },
          parent,
        )
      : undefined;
    const secrets = new Secrets(name, { ...args, transform: args.transform?.secrets }, parent);
    const logGroup = this.createLogGroup(name, args);

    // The association runs once the group exists (its hosts carry the tag), and the group's hosts
    // boot the manifest the channel makes first: deferred, as SingleHost defers its instance.
    let grouped!: (group: aws.autoscaling.Group) => void;
    const groupMade = new Promise<aws.autoscaling.Group>((resolve) => (grouped = resolve));
    const rate = rateControl(args.fleet.maxUnavailable);
    const channel = new ReleaseChannel(
      name,
      {
        ...args,
        registryToken: secrets.registryToken,
        secretEnv: secrets.secretEnv,
        setup: this.hostSetup(args, logGroup, database),
        targets: fleetTargets(args.stack),
        maxConcurrency: rate.maxConcurrency,
        maxErrors: rate.maxErrors,
        releaseAfter: [groupMade],
        transform: args.transform?.releaseChannel,
      },
      parent,
    );
    const identity = new Identity(
      name,
      {
        readableParameterArns: pulumi.all([secrets.parameterArns, channel.parameterArns]).apply(([a, b]) => [...a, ...b]),
        ...(database ? { readableSecretArn: database.secretArn } : {}),
        logGroupArn: logGroup.arn,
        tags: args.tags,
        ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
        transform: args.transform?.identity,
      },
      parent,
    );

    const launchTemplate = this.createLaunchTemplate(name, args, hostsSecurityGroup, identity, channel);
    const targetGroup = this.createTargetGroup(name, args);
    const loadBalancer = this.createLoadBalancer(name, args, albSecurityGroup);
    const tls = args.domain ? this.createCertificate(name, args, args.domain, loadBalancer) : undefined;
    this.createListeners(name, args, loadBalancer, targetGroup, tls?.arn);
    const group = this.createGroup(name, args, launchTemplate, targetGroup, [channel.manifest, ...identity.policies]);
    grouped(group);
    if (args.fleet.cpuTarget !== undefined) this.createCpuPolicy(name, args, group, args.fleet.cpuTarget);

    this.loadBalancerDnsName = loadBalancer.dnsName;
    this.url = args.domain ? pulumi.output(serviceUrl({ hostPort: 443, publicIp: '', https: { domain: args.domain } })) : loadBalancer.dnsName.apply((dns) => serviceUrl({ hostPort: 80, publicIp: dns }));
    this.dnsRecords = tls?.toCreate ?? pulumi.output([]);
    this.groupName = group.name;
    this.logGroupName = logGroup.name;
    this.hostsSecurityGroupId = hostsSecurityGroup.id;
    this.loadBalancerSecurityGroupId = albSecurityGroup.id;
    if (database) {
      this.databaseEndpoint = database.endpoint;
      this.databaseSecretArn = database.secretArn;
    }
    this.releaseId = channel.releaseId;
    this.associationId = channel.associationId;
    this.registerOutputs({
      url: this.url,
      loadBalancerDnsName: this.loadBalancerDnsName,
      dnsRecords: this.dnsRecords,
      groupName: this.groupName,
      logGroupName: this.logGroupName,
      releaseId: this.releaseId,
      associationId: this.associationId,
      ...(database ? { databaseEndpoint: database.endpoint, databaseSecretArn: database.secretArn } : {}),
    });
  }

  /** The load balancer's group: its listener ports from the allowed networks; out to the hosts' port. */
  private createLoadBalancerSecurityGroup(name: string, args: FleetArgs, rules: pulumi.Output<ReturnType<typeof fleetNetworkRules>>): aws.ec2.SecurityGroup {
    const ports = args.domain ? [80, 443] : [80];
    const at = (port: number) => rules.apply((r) => r.alb.ingress.find((rule) => rule.port === port)!);
    const groupArgs = transformed(args.transform?.loadBalancerSecurityGroup, `${name}-alb-sg`, {
      vpcId: args.vpc.id,
      description: `berth ${name}: the load balancer, from the allowed networks only`,
      ingress: ports.map((port) => ({
        description: port === 443 ? 'HTTPS' : args.domain ? 'HTTP, redirected to HTTPS' : 'HTTP',
        protocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrBlocks: at(port).apply((rule) => [...rule.ipv4]),
        ipv6CidrBlocks: at(port).apply((rule) => [...rule.ipv6]),
      })),
      egress: [{ description: 'to the hosts proxy port in the VPC', protocol: 'tcp', fromPort: args.hostPort, toPort: args.hostPort, cidrBlocks: rules.apply((r) => [...r.alb.egress.ipv4]) }],
      tags: namedTags(args.tags, name, 'alb-sg'),
    });
    return new aws.ec2.SecurityGroup(`${name}-alb-sg`, groupArgs, { parent: this });
  }

  /** The hosts' group: the proxy port from the load balancer's group and nothing else; no SSH. */
  private createHostsSecurityGroup(name: string, args: FleetArgs, rules: pulumi.Output<ReturnType<typeof fleetNetworkRules>>, alb: aws.ec2.SecurityGroup): aws.ec2.SecurityGroup {
    const groupArgs = transformed(args.transform?.hostsSecurityGroup, `${name}-hosts-sg`, {
      vpcId: args.vpc.id,
      description: `berth ${name}: the proxy port from the load balancer only; no SSH (use SSM)`,
      ingress: [{ description: 'the proxy, from the load balancer', protocol: 'tcp', fromPort: args.hostPort, toPort: args.hostPort, securityGroups: [alb.id] }],
      egress: [{ description: 'all outbound', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: rules.apply((r) => [...r.hosts.egress.ipv4]), ipv6CidrBlocks: rules.apply((r) => [...r.hosts.egress.ipv6]) }],
      tags: namedTags(args.tags, name, 'hosts-sg'),
    });
    return new aws.ec2.SecurityGroup(`${name}-hosts-sg`, groupArgs, { parent: this });
  }

  /** The stack's logs, one group: /<project>/<stack> (fleetLogGroupName, which npm run logs
   * follows), kept logRetentionDays. */
  private createLogGroup(name: string, args: FleetArgs): aws.cloudwatch.LogGroup {
    const groupArgs = transformed(args.transform?.logGroup, `${name}-logs`, {
      name: fleetLogGroupName(args.project, args.stack),
      retentionInDays: args.fleet.logRetentionDays,
      tags: namedTags(args.tags, name, 'logs'),
    });
    return new aws.cloudwatch.LogGroup(`${name}-logs`, groupArgs, { parent: this });
  }

  /** A fleet host's settings (infra/host/settings.ts, fleetHostSetup). */
  private hostSetup(args: FleetArgs, logGroup: aws.cloudwatch.LogGroup, database: Database | undefined): pulumi.Output<HostSetup> {
    const db = database ? pulumi.all([database.secretArn, database.address, database.port]).apply(([secretArn, host, port]) => ({ secretArn, host, port, name: databaseName(args.app.name) })) : undefined;
    return pulumi.all([args.region, logGroup.name, db]).apply(([region, logGroupName, connection]) =>
      fleetHostSetup({ region, hostPort: args.hostPort, logGroup: logGroupName, ...(connection ? { database: connection } : {}) }));
  }

  /**
   * What every host boots: the bootstrap user-data exactly as a single host's (region and the
   * manifest's name: no release, no secret), IMDSv2 only with a hop limit of 1, an encrypted gp3
   * root, the instance profile, the hosts' group, and the fleet's tag on each instance.
   */
  private createLaunchTemplate(name: string, args: FleetArgs, hostsSecurityGroup: aws.ec2.SecurityGroup, identity: Identity, channel: ReleaseChannel): aws.ec2.LaunchTemplate {
    const lookup = al2023AmiLookup(args.architecture);
    const ami = aws.ec2.getAmiOutput({ owners: [...lookup.owners], mostRecent: lookup.mostRecent, filters: lookup.filters.map((f) => ({ name: f.name, values: [...f.values] })) }, { parent: this });
    const manifestParameter = channel.manifestParameterName;
    const instanceTags = { ...namedTags(args.tags, name, 'host'), [FLEET_TAG]: args.stack };
    const templateArgs = transformed(args.transform?.launchTemplate, `${name}-launch-template`, {
      description: `berth ${name}: the fleet's hosts`,
      imageId: ami.id,
      instanceType: args.instanceType,
      iamInstanceProfile: { name: identity.profile.name },
      vpcSecurityGroupIds: [hostsSecurityGroup.id],
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      // The AMI's root device, encrypted gp3; its size is the image's (AL2023: 8 GiB): a fleet host
      // keeps only images and logs in flight.
      blockDeviceMappings: [{ deviceName: ami.rootDeviceName, ebs: { encrypted: 'true', volumeType: 'gp3', deleteOnTermination: 'true' } }],
      // LaunchTemplate user_data is the base64 of what the instance gets (gzip here, as a single host's).
      userData: pulumi.output(args.region).apply((region) => packUserData(renderUserData({ region, manifestParameter }, fetchScript()))),
      tagSpecifications: [
        { resourceType: 'instance', tags: instanceTags },
        { resourceType: 'volume', tags: namedTags(args.tags, name, 'host-root') },
      ],
      updateDefaultVersion: true,
      tags: namedTags(args.tags, name, 'launch-template'),
    });
    // As a single host: a newer AMI does not roll the fleet on an unrelated `pulumi up`
    // (ignoreChanges), and a new instance type is a new template, from the lookup's AMI of its
    // architecture (a replacement re-reads the program's inputs; see SingleHost.createInstance).
    return new aws.ec2.LaunchTemplate(`${name}-launch-template`, templateArgs, { parent: this, ignoreChanges: ['imageId'], replaceOnChanges: ['instanceType'] });
  }

  /** HTTP to each host's proxy port; health is the app's health path through the proxy. */
  private createTargetGroup(name: string, args: FleetArgs): aws.lb.TargetGroup {
    const groupArgs = transformed(args.transform?.targetGroup, `${name}-tg`, {
      vpcId: args.vpc.id,
      targetType: 'instance',
      protocol: 'HTTP',
      port: args.hostPort,
      deregistrationDelay: TARGET_HEALTH.deregistrationDelayS,
      healthCheck: healthCheck(args.app),
      tags: namedTags(args.tags, name, 'tg'),
    });
    return new aws.lb.TargetGroup(`${name}-tg`, groupArgs, { parent: this });
  }

  private createLoadBalancer(name: string, args: FleetArgs, securityGroup: aws.ec2.SecurityGroup): aws.lb.LoadBalancer {
    const lbArgs = transformed(args.transform?.loadBalancer, `${name}-alb`, {
      loadBalancerType: 'application',
      internal: false,
      subnets: [...args.subnetIds],
      securityGroups: [securityGroup.id],
      // Requests with header fields that are not valid HTTP are dropped, not passed to the app.
      dropInvalidHeaderFields: true,
      tags: namedTags(args.tags, name, 'alb'),
    });
    return new aws.lb.LoadBalancer(`${name}-alb`, lbArgs, { parent: this });
  }

  /**
   * The domain's ACM certificate, validated through DNS: with a hosted zone berth writes the
   * validation record and the alias; without, `pulumi up` prints the records while ACM waits for
   * them (the validation waits until the certificate is issued) and the stack outputs them.
   */
  private createCertificate(name: string, args: FleetArgs, domain: string, loadBalancer: aws.lb.LoadBalancer): { arn: pulumi.Output<string>; toCreate: pulumi.Output<DnsRecord[]> } {
    const certificate = new aws.acm.Certificate(
      `${name}-cert`,
      transformed(args.transform?.certificate, `${name}-cert`, { domainName: domain, validationMethod: 'DNS', tags: namedTags(args.tags, name, 'cert') }),
      { parent: this },
    );
    const option = certificate.domainValidationOptions.apply((options) => {
      const found = options.find((o) => o.domainName === domain);
      if (!found) throw new Error(`berth: ACM gave no DNS validation option for ${domain}`);
      return found;
    });
    if (args.hostedZoneId) {
      const record = new aws.route53.Record(
        `${name}-cert-validation`,
        transformed(args.transform?.validationRecord, `${name}-cert-validation`, {
          zoneId: args.hostedZoneId,
          name: option.resourceRecordName,
          type: option.resourceRecordType,
          records: [option.resourceRecordValue],
          ttl: 300,
          // The same record may already exist (another certificate for the name): it is the same value.
          allowOverwrite: true,
        }),
        { parent: this },
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-cert-validated`,
        transformed(args.transform?.certificateValidation, `${name}-cert-validated`, { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] }),
        { parent: this },
      );
      new aws.route53.Record(
        `${name}-alias`,
        transformed(args.transform?.aliasRecord, `${name}-alias`, {
          zoneId: args.hostedZoneId,
          name: domain,
          type: 'A',
          aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
        }),
        { parent: this },
      );
      return { arn: validation.certificateArn, toCreate: pulumi.output([]) };
    }
    const toCreate = pulumi.all([certificate.domainValidationOptions, loadBalancer.dnsName]).apply(([options, dns]) => {
      const records = recordsToCreate(domain, options, dns);
      // Shown while `pulumi up` runs: the validation below waits for the first of these.
      pulumi.log.info(`berth: create these DNS records for ${domain}:\n${describeRecords(records).map((l) => `  ${l}`).join('\n')}`, this);
      return records;
    });
    const validation = new aws.acm.CertificateValidation(
      `${name}-cert-validated`,
      transformed(args.transform?.certificateValidation, `${name}-cert-validated`, { certificateArn: certificate.arn }),
      { parent: this },
    );
    return { arn: validation.certificateArn, toCreate };
  }

  /** 80 forwards to the hosts, or with a domain redirects to 443, which ends TLS and forwards. */
  private createListeners(name: string, args: FleetArgs, loadBalancer: aws.lb.LoadBalancer, targetGroup: aws.lb.TargetGroup, certificateArn: pulumi.Output<string> | undefined): void {
    const forward = [{ type: 'forward', targetGroupArn: targetGroup.arn }];
    new aws.lb.Listener(
      `${name}-http`,
      transformed(args.transform?.httpListener, `${name}-http`, {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: certificateArn ? [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }] : forward,
        tags: namedTags(args.tags, name, 'http'),
      }),
      { parent: this },
    );
    if (!certificateArn) return;
    new aws.lb.Listener(
      `${name}-https`,
      transformed(args.transform?.httpsListener, `${name}-https`, {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: TLS_POLICY,
        certificateArn,
        defaultActions: forward,
        tags: namedTags(args.tags, name, 'https'),
      }),
      { parent: this },
    );
  }

  /**
   * The hosts: min..max across the given zones' default subnets, judged by the load balancer's
   * health checks after a boot grace, refreshed (launch before terminate) when the template
   * changes. A new release changes neither the template nor the group: it goes through State
   * Manager, in place. The group waits for the manifest (its hosts' first boot reads it) and the
   * role's policies.
   */
  private createGroup(name: string, args: FleetArgs, template: aws.ec2.LaunchTemplate, targetGroup: aws.lb.TargetGroup, after: pulumi.Resource[]): aws.autoscaling.Group {
    const tags = { ...namedTags(args.tags, name, 'host'), [FLEET_TAG]: args.stack };
    const groupArgs = transformed(args.transform?.group, `${name}-hosts`, {
      minSize: args.fleet.min,
      maxSize: args.fleet.max,
      ...(args.fleet.desired !== undefined ? { desiredCapacity: args.fleet.desired } : {}),
      vpcZoneIdentifiers: [...args.subnetIds],
      // The template's latest version, not "$Latest": a refresh starts only on a version change.
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      targetGroupArns: [targetGroup.arn],
      healthCheckType: 'ELB',
      healthCheckGracePeriod: HOST_BOOT_GRACE_S,
      instanceRefresh: { strategy: INSTANCE_REFRESH.strategy, preferences: { ...INSTANCE_REFRESH.preferences } },
      tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    });
    // With a CPU target, the policy sets the desired capacity: a later `pulumi up` must not reset it.
    return new aws.autoscaling.Group(`${name}-hosts`, groupArgs, { parent: this, dependsOn: after, ...(args.fleet.cpuTarget !== undefined ? { ignoreChanges: ['desiredCapacity'] } : {}) });
  }

  /** Target tracking on the group's average CPU (ASGAverageCPUUtilization). */
  private createCpuPolicy(name: string, args: FleetArgs, group: aws.autoscaling.Group, cpuTarget: number): aws.autoscaling.Policy {
    const policyArgs = transformed(args.transform?.cpuPolicy, `${name}-cpu`, {
      autoscalingGroupName: group.name,
      policyType: 'TargetTrackingScaling',
      targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' }, targetValue: cpuTarget },
    });
    return new aws.autoscaling.Policy(`${name}-cpu`, policyArgs, { parent: this });
  }
}
