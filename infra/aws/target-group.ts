// The fleet's target group, as data: how the load balancer checks a host and how long it drains
// one that leaves. The Fleet component's aws.lb.TargetGroup and the sim's HAProxy (sim/haproxy.ts)
// read the same numbers, so the sim's rolling-release proofs hold for the settings AWS gets.
//
// AWS's ranges (Elastic Load Balancing, Application Load Balancers, "Health checks for your target
// groups" and CreateTargetGroup): HealthCheckIntervalSeconds 5-300 (default 30),
// HealthCheckTimeoutSeconds 2-120 and smaller than the interval (default 5), HealthyThresholdCount
// 2-10 (default 5), UnhealthyThresholdCount 2-10 (default 2), matcher 200-499 (default 200);
// deregistration_delay.timeout_seconds 0-3600 (default 300). Chosen here: the shortest interval,
// so a lost host is out of rotation within unhealthyThreshold × interval (10 s) and a new host in
// within healthyThreshold × interval once it serves; a 30 s drain, which outlasts any request the
// app answers (the swap on a host drains its own old container behind its proxy, unseen here).

import type { AppSpec } from '../app/spec.js';

export interface TargetGroupSpec {
  readonly protocol: 'HTTP';
  readonly healthCheck: {
    readonly intervalS: number;
    readonly timeoutS: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
    readonly matcher: string;
  };
  readonly deregistrationDelayS: number;
  readonly loadBalancingAlgorithm: 'round_robin' | 'least_outstanding_requests';
}

export const TARGET_GROUP: TargetGroupSpec = {
  /** HTTP to each host's proxy port; TLS ends at the load balancer. */
  protocol: 'HTTP',
  healthCheck: {
    /** Seconds between checks of one target. */
    intervalS: 5,
    /** Seconds a check may take before it counts as failed (less than intervalS). */
    timeoutS: 3,
    /** Consecutive passes that make an unhealthy target healthy. */
    healthyThreshold: 2,
    /** Consecutive failures that make a healthy target unhealthy. */
    unhealthyThreshold: 2,
    /** The status codes that pass (the app's health path answers 200). */
    matcher: '200',
  },
  /** Seconds a deregistered target keeps its in-flight requests before its connections close. */
  deregistrationDelayS: 30,
  /** round_robin, the ALB's default. */
  loadBalancingAlgorithm: 'round_robin',
};

/** Seconds until a target that stopped answering is out of rotation, at the latest. */
export const detectionWindowS = (tg: TargetGroupSpec = TARGET_GROUP) => tg.healthCheck.unhealthyThreshold * tg.healthCheck.intervalS;

/** What AWS would refuse in these settings (the ranges above), one line each; empty when valid. */
export function targetGroupProblems(tg: TargetGroupSpec): string[] {
  const problems: string[] = [];
  const within = (what: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${what}: must be a whole number from ${min} to ${max}; got ${value}`);
  };
  const hc = tg.healthCheck;
  within('healthCheck.intervalS', hc.intervalS, 5, 300);
  within('healthCheck.timeoutS', hc.timeoutS, 2, 120);
  within('healthCheck.healthyThreshold', hc.healthyThreshold, 2, 10);
  within('healthCheck.unhealthyThreshold', hc.unhealthyThreshold, 2, 10);
  within('deregistrationDelayS', tg.deregistrationDelayS, 0, 3600);
  if (hc.timeoutS >= hc.intervalS) problems.push(`healthCheck.timeoutS: must be less than healthCheck.intervalS (${hc.intervalS}); got ${hc.timeoutS}`);
  return problems;
}

/** The same numbers as the Fleet component's target group takes them (one source: TARGET_GROUP). */
export const TARGET_HEALTH = {
  intervalS: TARGET_GROUP.healthCheck.intervalS,
  timeoutS: TARGET_GROUP.healthCheck.timeoutS,
  healthyThreshold: TARGET_GROUP.healthCheck.healthyThreshold,
  unhealthyThreshold: TARGET_GROUP.healthCheck.unhealthyThreshold,
  matcher: TARGET_GROUP.healthCheck.matcher,
  deregistrationDelayS: TARGET_GROUP.deregistrationDelayS,
} as const;

/**
 * Seconds a new host has before its load balancer health counts (the group's
 * HealthCheckGracePeriod): boot, cloud-init, Docker, pulling the image and the first release.
 * Measured on the simulated host in well under a minute; a real first boot pulls from the
 * registry over the internet, so five minutes (EC2 Auto Scaling's console default) is kept.
 */
export const HOST_BOOT_GRACE_S = 300;

/** The target group's health check of a host: the app's health path, through the host's proxy. */
export function healthCheck(app: Pick<AppSpec, 'healthPath'>) {
  return {
    enabled: true,
    protocol: 'HTTP',
    // traffic-port: the port the group sends requests to, the proxy's (hostPort).
    port: 'traffic-port',
    path: app.healthPath,
    interval: TARGET_HEALTH.intervalS,
    timeout: TARGET_HEALTH.timeoutS,
    healthyThreshold: TARGET_HEALTH.healthyThreshold,
    unhealthyThreshold: TARGET_HEALTH.unhealthyThreshold,
    matcher: TARGET_HEALTH.matcher,
  };
}

/**
 * An instance refresh on every launch template change, launch before terminate: min 100 % keeps
 * the whole desired capacity in service, max 200 % lets the group launch the replacements first
 * (RefreshPreferences, botocore autoscaling model: MinHealthyPercentage 0-100, default 90;
 * MaxHealthyPercentage 100-200, "the difference between them cannot be greater than 100").
 * The provider starts the refresh when launch_template changes and the version is the template's
 * latest_version, not "$Latest" (the aws_autoscaling_group docs' instance_refresh notes).
 */
export const INSTANCE_REFRESH = {
  strategy: 'Rolling',
  preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
} as const;

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only (ELB's recommended policy). */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
