// How the load balancer in front of a fleet judges and drains its hosts, as plain data: the Fleet
// component gives it to the ALB's target group, and the simulated fleet's HAProxy copies the same
// numbers (sim/), so the stand-in checks and drains hosts as the ALB would.
import type { AppSpec } from '../app/spec.js';

/**
 * The target group's health check and drain. Each value is within what ELB takes
 * (CreateTargetGroup, Elastic Load Balancing API reference: HealthCheckIntervalSeconds 5-300,
 * HealthCheckTimeoutSeconds 2-120 and less than the interval, Healthy/UnhealthyThresholdCount
 * 2-10; deregistration_delay.timeout_seconds 0-3600, default 300).
 * - every 10 s, 2 failures out: a dead host leaves the rotation within about 20 s (plus the
 *   timeout), the detection window the fleet's bench reports;
 * - 2 successes in: a new host serves after two passing checks (its bootstrap has run the current
 *   release by then, or it fails them);
 * - 30 s to drain: what a host being removed (scale-in, instance refresh) has to finish its
 *   requests, the same as berth's own drain of an old container (berth:drainTimeout's default).
 */
export const TARGET_HEALTH = {
  intervalS: 10,
  timeoutS: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  /** The codes that count as healthy: the app's health path answers 200 through the proxy. */
  matcher: '200',
  deregistrationDelayS: 30,
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
