// The Elastic Load Balancing (v2) rules: the fleet's Application Load Balancer, its target group and
// its listeners. "model" is botocore/data/elbv2/2015-12-01/service-2.json; "TF" is
// hashicorp/terraform-provider-aws internal/service/elbv2 (load_balancer.go, target_group.go,
// listener.go, validate.go), which checks some fields before it calls AWS. ELBv2 speaks the query
// protocol: a model constraint (length, pattern, range) is answered ValidationError; the named
// exceptions of the model are answered with their codes without the Exception suffix
// (InvalidConfigurationRequest, SubnetNotFound, …). The wording of AWS's messages is as recalled
// from its answers quoted in public issues, not read from a document, unless cited.
import { DEFAULT_VPC, zoneOfSubnet } from '../aws-account.js';
import { type FieldRules, intIn, list, noConstraint, oneOf, rule, serviceTags } from './shared.js';

const LB = 'Elastic Load Balancing API Reference (v2)';

/**
 * CreateLoadBalancer Name: "can have a maximum of 32 characters, must contain only alphanumeric
 * characters or hyphens, must not begin or end with a hyphen, and must not begin with internal-"
 * (model documentation). CreateTargetGroup Name: the same without the internal- clause. TF checks
 * both before calling AWS (validate.go validName, validTargetGroupName).
 */
function elbName(v: unknown, what: 'load balancer' | 'target group'): string | undefined {
  const name = String(v);
  if (name.length < 1 || name.length > 32) return `${what} name ${JSON.stringify(name)} must be 1 to 32 characters`;
  if (!/^[0-9A-Za-z-]+$/.test(name)) return `only alphanumeric characters and hyphens allowed in the ${what} name: ${JSON.stringify(name)}`;
  if (name.startsWith('-') || name.endsWith('-')) return `the ${what} name ${JSON.stringify(name)} cannot begin or end with a hyphen`;
  if (what === 'load balancer' && name.startsWith('internal-')) return `the load balancer name ${JSON.stringify(name)} cannot begin with "internal-"`;
  return undefined;
}

const ELB_TAGS_CITE = `${LB}, Tag (TagKey 1..128, TagValue 0..256, pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*) and AddTags (TooManyTags: 50 per resource) [model]`;
const elbTags = serviceTags(ELB_TAGS_CITE, { count: 'TooManyTags', text: 'ValidationError' });

/** An ELBv2 ARN of the given kind in this account and region, as the API checks an ARN it is given. */
const elbArn = (kind: 'targetgroup' | 'loadbalancer/app') => (v: unknown) =>
  new RegExp(`^arn:aws:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${kind}/[0-9A-Za-z-]{1,32}/[0-9a-f]{16}$`).test(String(v))
    ? undefined
    : `'${String(v)}' is not a valid ${kind === 'targetgroup' ? 'target group' : 'load balancer'} ARN`;

// The model's ProtocolEnum (CreateTargetGroup Protocol, CreateListener Protocol); an Application
// Load Balancer's listeners and instance targets use HTTP or HTTPS ("For Application Load
// Balancers, the supported protocols are HTTP and HTTPS", CreateListener Protocol).
const PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'];

/**
 * Matcher HttpCode: "For Application Load Balancers, you can specify values between 200 and 499,
 * with the default value being 200. You can specify multiple values (for example, "200,202") or a
 * range of values (for example, "200-299")" (model, Matcher).
 */
function httpCodes(v: unknown): string | undefined {
  const bad = `Health check matcher HTTP code '${String(v)}' must be codes or ranges from 200 to 499, such as 200, 200,202 or 200-299`;
  for (const part of String(v).split(',')) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!m) return bad;
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (lo < 200 || hi > 499 || lo > hi) return bad;
  }
  return undefined;
}

/** CreateListener's rules on a listener's actions (Action, RedirectActionConfig, FixedResponseActionConfig; model). */
const ACTION_TYPES = ['forward', 'authenticate-oidc', 'authenticate-cognito', 'redirect', 'fixed-response'];

export const ELB_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:lb/loadBalancer:LoadBalancer': {
    name: [rule('pattern', 'ValidationError', `${LB}, CreateLoadBalancer Name [model]; TF elbv2/validate.go validName`, (v) => elbName(v, 'load balancer'))],
    namePrefix: [rule('pattern', 'ProviderValidation', 'TF elbv2/validate.go validNamePrefix (6 characters: the provider adds a random suffix)', (v) =>
      /^[0-9A-Za-z-]{1,6}$/.test(String(v)) && !String(v).startsWith('-') ? undefined : `name_prefix ${JSON.stringify(String(v))} must be 1 to 6 alphanumerics or hyphens, not starting with a hyphen`)],
    // LoadBalancerTypeEnum: application | network | gateway (model).
    loadBalancerType: [rule('enum', 'ValidationError', `${LB}, CreateLoadBalancer Type [model]`, oneOf(['application', 'network', 'gateway']))],
    // TF sends Scheme=internal for internal=true, and leaves the default (internet-facing) otherwise.
    internal: noConstraint("a boolean the provider turns into Scheme (internal, or the default internet-facing)"),
    // IpAddressType: ipv4 | dualstack | dualstack-without-public-ipv4 (model); the last is for internet-facing ALBs only.
    ipAddressType: [rule('enum', 'ValidationError', `${LB}, CreateLoadBalancer IpAddressType [model]`, oneOf(['ipv4', 'dualstack', 'dualstack-without-public-ipv4']))],
    subnets: [
      rule('exist', 'SubnetNotFound', `${LB}, CreateLoadBalancer Subnets (SubnetNotFoundException)`, (v) => {
        const missing = list(v).find((id) => zoneOfSubnet(String(id)) === undefined);
        return missing === undefined ? undefined : `The subnet ID '${String(missing)}' is not valid`;
      }),
      // "[Application Load Balancers] You must specify subnets from at least two Availability Zones"
      // (CreateLoadBalancer Subnets, model). AWS's words, quoted in hashicorp/terraform-provider-aws
      // issues: "At least two subnets in two different Availability Zones must be specified".
      rule('two-zones', 'ValidationError', `${LB}, CreateLoadBalancer Subnets [model]`, (v, { inputs }) => {
        if ((inputs.loadBalancerType ?? 'application') !== 'application') return undefined;
        const zones = new Set(list(v).map((id) => zoneOfSubnet(String(id))).filter(Boolean));
        return zones.size >= 2 ? undefined : 'At least two subnets in two different Availability Zones must be specified';
      }),
    ],
    securityGroups: [
      // "[Application Load Balancers and Network Load Balancers] The IDs of the security groups" (model);
      // an ALB in a VPC has up to 5 (Quotas for your Application Load Balancers: Security groups per load balancer).
      rule('exist', 'InvalidSecurityGroup', `${LB}, CreateLoadBalancer SecurityGroups (InvalidSecurityGroupException); ALB quotas (5 groups)`, (v, { world }) => {
        if (list(v).length > 5) return `${list(v).length} security groups; a load balancer takes at most 5`;
        const missing = list(v).find((id) => !world.resource('aws:ec2/securityGroup:SecurityGroup', String(id)));
        return missing === undefined ? undefined : `Security group '${String(missing)}' does not exist`;
      }),
    ],
    // idle_timeout.timeout_seconds: "The valid range is 1-4000 seconds. The default is 60 seconds" (LoadBalancerAttribute, model).
    idleTimeout: [rule('range', 'ValidationError', `${LB}, LoadBalancerAttribute idle_timeout.timeout_seconds [model]`, intIn(1, 4000))],
    enableDeletionProtection: noConstraint('a boolean attribute (deletion_protection.enabled)'),
    dropInvalidHeaderFields: noConstraint('a boolean attribute (routing.http.drop_invalid_header_fields.enabled)'),
    enableHttp2: noConstraint('a boolean attribute (routing.http2.enabled)'),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7); the provider's configured one when absent"),
    tags: elbTags,
  },

  'aws:lb/targetGroup:TargetGroup': {
    name: [rule('pattern', 'ValidationError', `${LB}, CreateTargetGroup Name [model]; TF elbv2/validate.go validTargetGroupName`, (v) => elbName(v, 'target group'))],
    namePrefix: [rule('pattern', 'ProviderValidation', 'TF elbv2/validate.go validTargetGroupNamePrefix (6 characters)', (v) =>
      /^[0-9A-Za-z-]{1,6}$/.test(String(v)) && !String(v).startsWith('-') ? undefined : `name_prefix ${JSON.stringify(String(v))} must be 1 to 6 alphanumerics or hyphens, not starting with a hyphen`)],
    // Port: 1-65535 (model, TF IntBetween(1, 65535)).
    port: [rule('range', 'ValidationError', `${LB}, CreateTargetGroup Port [model]; TF target_group.go`, intIn(1, 65535))],
    protocol: [rule('enum', 'ValidationError', `${LB}, CreateTargetGroup Protocol (ProtocolEnum) [model]`, oneOf(PROTOCOLS))],
    // ProtocolVersion: GRPC | HTTP1 | HTTP2, only with HTTP/HTTPS (CreateTargetGroup ProtocolVersion, model).
    protocolVersion: [rule('enum', 'ValidationError', `${LB}, CreateTargetGroup ProtocolVersion [model]`, (v) => oneOf(['GRPC', 'HTTP1', 'HTTP2'])(String(v).toUpperCase()))],
    // TargetTypeEnum: instance | ip | lambda | alb (model); an Auto Scaling group registers instances.
    targetType: [rule('enum', 'ValidationError', `${LB}, CreateTargetGroup TargetType [model]`, oneOf(['instance', 'ip', 'lambda', 'alb']))],
    vpcId: [rule('exists', 'ValidationError', `${LB}, CreateTargetGroup VpcId`, (v) => (v === DEFAULT_VPC.id ? undefined : `The VPC ID '${String(v)}' is not found`))],
    // deregistration_delay.timeout_seconds: "The range is 0-3600 seconds. The default value is 300
    // seconds" (TargetGroupAttribute, model; TF ValidateTypeStringNullableIntBetween(0, 3600)).
    deregistrationDelay: [rule('range', 'ValidationError', `${LB}, TargetGroupAttribute deregistration_delay.timeout_seconds [model]; TF target_group.go`, (v) => intIn(0, 3600)(Number(v)))],
    // slow_start.duration_seconds: 30-900, or 0 to disable (TargetGroupAttribute, model; TF).
    slowStart: [rule('range', 'ValidationError', `${LB}, TargetGroupAttribute slow_start.duration_seconds [model]`, (v) => (v === 0 ? undefined : intIn(30, 900)(v)))],
    'healthCheck.enabled': noConstraint('a boolean (HealthCheckEnabled); instance targets must keep it on, which the policy tests hold'),
    // HealthCheckPath: 1..1024, starting with / (model; TF StringLenBetween(1, 1024), StringHasPrefix("/")).
    'healthCheck.path': [rule('path', 'ValidationError', `${LB}, CreateTargetGroup HealthCheckPath [model]; TF target_group.go`, (v) =>
      String(v).startsWith('/') && String(v).length <= 1024 ? undefined : `Health check path '${String(v)}' must start with / and be at most 1024 characters`)],
    // HealthCheckPort: "traffic-port" or 1-65535 (model; TF validTargetGroupHealthCheckPort).
    'healthCheck.port': [rule('port', 'ValidationError', `${LB}, CreateTargetGroup HealthCheckPort [model]; TF elbv2/validate.go`, (v) =>
      String(v) === 'traffic-port' || intIn(1, 65535)(Number(v)) === undefined ? undefined : `Health check port '${String(v)}' must be traffic-port or 1 to 65535`)],
    // HealthCheckProtocol: HTTP, HTTPS, TCP (ALB: HTTP or HTTPS); TF healthCheckProtocolEnumValues.
    'healthCheck.protocol': [rule('enum', 'ValidationError', `${LB}, CreateTargetGroup HealthCheckProtocol [model]`, (v) => oneOf(['HTTP', 'HTTPS', 'TCP'])(String(v).toUpperCase()))],
    'healthCheck.matcher': [rule('http-codes', 'ValidationError', `${LB}, Matcher HttpCode [model]`, httpCodes)],
    // HealthCheckIntervalSeconds 5-300 (model; TF IntBetween(5, 300)).
    'healthCheck.interval': [rule('range', 'ValidationError', `${LB}, CreateTargetGroup HealthCheckIntervalSeconds [model]; TF target_group.go`, intIn(5, 300))],
    // HealthCheckTimeoutSeconds 2-120 (model; TF IntBetween(2, 120)), and "must be smaller than the
    // interval" — AWS's words: "Health check timeout '…' must be smaller than the interval '…'".
    'healthCheck.timeout': [rule('range', 'ValidationError', `${LB}, CreateTargetGroup HealthCheckTimeoutSeconds [model]; TF target_group.go`, (v, { parent }) =>
      intIn(2, 120)(v) ?? (v >= Number(parent.interval ?? 30) ? `Health check timeout '${v}' must be smaller than the interval '${parent.interval ?? 30}'` : undefined))],
    // HealthyThresholdCount and UnhealthyThresholdCount 2-10 (model; TF IntBetween(2, 10)).
    'healthCheck.healthyThreshold': [rule('range', 'ValidationError', `${LB}, CreateTargetGroup HealthyThresholdCount [model]; TF target_group.go`, intIn(2, 10))],
    'healthCheck.unhealthyThreshold': [rule('range', 'ValidationError', `${LB}, CreateTargetGroup UnhealthyThresholdCount [model]; TF target_group.go`, intIn(2, 10))],
    // load_balancing.algorithm.type: round_robin | least_outstanding_requests | weighted_random (model; TF).
    loadBalancingAlgorithmType: [rule('enum', 'ValidationError', `${LB}, TargetGroupAttribute load_balancing.algorithm.type [model]`, oneOf(['round_robin', 'least_outstanding_requests', 'weighted_random']))],
    'stickiness.enabled': noConstraint('a boolean attribute (stickiness.enabled)'),
    'stickiness.type': [rule('enum', 'ValidationError', `${LB}, TargetGroupAttribute stickiness.type [model]`, oneOf(['lb_cookie', 'app_cookie', 'source_ip', 'source_ip_dest_ip', 'source_ip_dest_ip_proto']))],
    // stickiness.lb_cookie.duration_seconds: 1 second to 1 week (604800) (model; TF IntBetween(0, 604800)).
    'stickiness.cookieDuration': [rule('range', 'ValidationError', `${LB}, TargetGroupAttribute stickiness.lb_cookie.duration_seconds [model]`, intIn(1, 604800))],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    tags: elbTags,
  },

  'aws:lb/listener:Listener': {
    loadBalancerArn: [rule('arn', 'ValidationError', `${LB}, CreateListener LoadBalancerArn`, elbArn('loadbalancer/app'))],
    port: [rule('range', 'ValidationError', `${LB}, CreateListener Port (1-65535) [model]`, intIn(1, 65535))],
    protocol: [rule('enum', 'ValidationError', `${LB}, CreateListener Protocol (ProtocolEnum) [model]`, oneOf(PROTOCOLS))],
    // "[HTTPS and TLS listeners] The default certificate for the listener. You must provide exactly
    // one certificate" (CreateListener Certificates, model). The code and wording of the refusal are
    // not verified: CertificateNotFound is the model's exception for a certificate it cannot use.
    certificateArn: [rule('acm-arn', 'CertificateNotFound', `${LB}, CreateListener Certificates [model]`, (v) =>
      /^arn:aws:(acm|iam):[a-z0-9-]*:\d{12}:(certificate\/[0-9a-f-]{36}|server-certificate\/.+)$/.test(String(v)) ? undefined : `Certificate '${String(v)}' not found`)],
    sslPolicy: [rule('policy', 'SSLPolicyNotFound', `${LB}, CreateListener SslPolicy; ALB User Guide, Security policies (ELBSecurityPolicy-*)`, (v, { inputs }) =>
      !/^ELBSecurityPolicy-[\w-]+$/.test(String(v)) ? `SSL policy '${String(v)}' not found`
        : ['HTTPS', 'TLS'].includes(String(inputs.protocol)) ? undefined : `an SSL policy is for HTTPS and TLS listeners; this one is ${String(inputs.protocol ?? 'HTTP')}`)],
    'defaultActions[].type': [
      rule('enum', 'ValidationError', `${LB}, Action Type (ActionTypeEnum) [model]`, oneOf(ACTION_TYPES)),
      // Cross-field, on the listener: an HTTPS listener needs its certificate (see certificateArn);
      // checked here because the type is always present and certificateArn may not be.
      rule('https-certificate', 'ValidationError', `${LB}, CreateListener Certificates ("[HTTPS and TLS listeners] … You must provide exactly one certificate") [model]`, (_v, { inputs }) =>
        ['HTTPS', 'TLS'].includes(String(inputs.protocol)) && !inputs.certificateArn ? `A certificate must be specified for ${String(inputs.protocol)} listeners` : undefined),
      // "Each rule must include exactly one of the following types of actions: forward,
      // fixed-response, or redirect" (Action Type, model): the type's own block must be there.
      rule('config', 'ValidationError', `${LB}, Action (TargetGroupArn/ForwardConfig, RedirectConfig, FixedResponseConfig) [model]`, (v, { parent }) => {
        if (v === 'forward' && !parent.targetGroupArn && !parent.forward) return 'A forward action needs a target group';
        if (v === 'redirect' && !parent.redirect) return 'A redirect action needs a redirect config';
        if (v === 'fixed-response' && !parent.fixedResponse) return 'A fixed-response action needs a fixed-response config';
        return undefined;
      }),
    ],
    'defaultActions[].targetGroupArn': [rule('arn', 'ValidationError', `${LB}, Action TargetGroupArn`, elbArn('targetgroup'))],
    // Order 1-50000 (Action Order, model).
    'defaultActions[].order': [rule('range', 'ValidationError', `${LB}, Action Order [model]`, intIn(1, 50000))],
    // RedirectActionConfig (model): Protocol HTTP, HTTPS or #{protocol}; Port 1-65535 or #{port};
    // StatusCode HTTP_301 | HTTP_302 (TF adds nothing).
    'defaultActions[].redirect.protocol': [rule('enum', 'ValidationError', `${LB}, RedirectActionConfig Protocol [model]`, oneOf(['HTTP', 'HTTPS', '#{protocol}']))],
    'defaultActions[].redirect.port': [rule('port', 'ValidationError', `${LB}, RedirectActionConfig Port [model]`, (v) =>
      String(v) === '#{port}' || intIn(1, 65535)(Number(v)) === undefined ? undefined : `Redirect port '${String(v)}' must be #{port} or 1 to 65535`)],
    'defaultActions[].redirect.statusCode': [rule('enum', 'ValidationError', `${LB}, RedirectActionConfig StatusCode [model]`, oneOf(['HTTP_301', 'HTTP_302']))],
    'defaultActions[].redirect.host': noConstraint('#{host} or a host name; berth keeps the default'),
    'defaultActions[].redirect.path': noConstraint('#{path} or a path; berth keeps the default'),
    'defaultActions[].redirect.query': noConstraint('#{query} or a query; berth keeps the default'),
    // FixedResponseActionConfig (model): StatusCode ^(2|4|5)\d\d$, ContentType one of five, MessageBody up to 1024.
    'defaultActions[].fixedResponse.statusCode': [rule('pattern', 'ValidationError', `${LB}, FixedResponseActionConfig StatusCode [model]`, (v) =>
      /^(2|4|5)\d\d$/.test(String(v)) ? undefined : `Fixed-response status code '${String(v)}' must be 2XX, 4XX or 5XX`)],
    'defaultActions[].fixedResponse.contentType': [rule('enum', 'ValidationError', `${LB}, FixedResponseActionConfig ContentType [model]`, oneOf(['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json']))],
    'defaultActions[].fixedResponse.messageBody': [rule('length', 'ValidationError', `${LB}, FixedResponseActionConfig MessageBody (max 1024) [model]`, (v) =>
      String(v).length <= 1024 ? undefined : `Fixed-response message body is ${String(v).length} characters; at most 1024`)],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    tags: elbTags,
  },
};
