// What berth's program names things in AWS, in one place for the two programs that must agree on
// it: berth's own (index.ts, infra/components/single-host.ts) and ci/aws-oidc, whose CI roles may touch only what
// berth names this way. Pure data; test/unit/ci-roles.test.ts checks these against the names the
// program really registers under Pulumi's mocks.

/** Pulumi.yaml's project name: the first level of every SSM parameter path. */
export const PROJECT = 'berth';

/**
 * Pulumi autonames a resource `<logical name>-<7 random characters>`; infra/components/single-host.ts names its parts
 * `<component>-role`, `-profile`, `-deploy`, and index.ts names the component `berth`.
 */
export const HOST_NAME_PREFIXES = {
  role: 'berth-role-',
  instanceProfile: 'berth-profile-',
  document: 'berth-deploy-',
  /**
   * The DLM role (infra/components/backup-policy.ts, `<component>-role-dlm`): inside the host roles'
   * prefix on purpose, so that ci/aws-oidc's deploy role may make it with the same boundary rule,
   * and pass it to DLM alone (its own statement).
   */
  backupRole: 'berth-role-dlm-',
} as const;

/** index.ts: every parameter of a stack lives under `/<project>/<stack>/`. */
export const parameterPath = (stack: string) => `/${PROJECT}/${stack}/`;

/**
 * A fleet's CloudWatch Logs group: /<project>/<stack>, the stack's parameter path without its
 * slash. The Fleet component (infra/components/fleet.ts) names its group with this, and
 * `npm run logs` (ops/logs.ts) follows the group it names, so the two cannot drift apart.
 */
export const fleetLogGroupName = (project: string, stack: string) => `/${project}/${stack}`;

/** The only AWS managed policy the host role gets (Session Manager, State Manager). */
export const ssmManagedInstanceCoreArn = (partition: string) => `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;

/**
 * The permissions boundary ci/aws-oidc makes for a stack's host roles: a customer managed policy
 * named after the stack, so both programs can compute its ARN from the account alone.
 */
export const hostBoundaryPolicyName = (stack: string) => `berth-host-boundary-${stack}`;
export const hostBoundaryPolicyArn = (partition: string, account: string, stack: string) =>
  `arn:${partition}:iam::${account}:policy/${hostBoundaryPolicyName(stack)}`;

/**
 * The tag berth puts on a single host's data volume, its value the stack's name: the one thing the
 * stack's DLM policy targets (infra/aws/dlm.ts), and what the simulated host's snapshots follow.
 */
export const BACKUP_TAG = 'berth:backup';
