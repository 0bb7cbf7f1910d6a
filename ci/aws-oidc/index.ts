// berth-aws-oidc: the AWS side of berth's CI, made once by an account admin, separate from berth's
// own stack. It trusts GitHub's OIDC issuer and makes two roles that GitHub Actions jobs of one
// repository assume with short-lived tokens (no access keys anywhere):
//
//   github-actions-berth-preview  pull-request jobs; read-only lookups for `pulumi preview`
//   github-actions-berth-deploy   jobs in the protected environment (production); `pulumi up`
//
// and the permissions boundary every host role of the berth stack must carry
// (berth-host-boundary-<stack>): the deploy role may make host roles only with it.
//
// The documents themselves are in policies.ts. Outputs: the two role ARNs, which become the
// repository variables AWS_PREVIEW_ROLE_ARN and AWS_DEPLOY_ROLE_ARN, and the boundary's ARN, which
// becomes the berth stack's berth:hostRoleBoundary.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  DEPLOY_ROLE_NAME,
  GITHUB_OIDC_HOST,
  hostBoundaryName,
  PREVIEW_ROLE_NAME,
  STS_AUDIENCE,
  type Target,
  boundaryPolicy,
  checkTarget,
  deployPolicy,
  deploySubject,
  previewPolicy,
  previewSubject,
  trustPolicy,
} from './policies.js';

const config = new pulumi.Config();
const repository = config.require('githubRepository');
const environment = config.get('environment') ?? 'production';
const berthStack = config.get('berthStack') ?? 'production';
/** An account has one provider per issuer: reuse it when it already exists. */
const existingProviderArn = config.get('oidcProviderArn');
const region = new pulumi.Config('aws').require('region');
const tags = { project: 'berth', 'managed-by': 'pulumi', stack: pulumi.getStack() };

// A bad value stops the program before anything is made, with one line per problem.
const problems = checkTarget({ repository, environment, region, stack: berthStack });
if (problems.length > 0) throw new Error(`berth-aws-oidc: invalid configuration:\n${problems.join('\n')}`);

const identity = aws.getCallerIdentityOutput();
const partition = aws.getPartitionOutput();
const target: pulumi.Output<Target> = pulumi
  .all([identity.accountId, partition.partition])
  .apply(([account, part]) => ({ repository, environment, account, region, stack: berthStack, partition: part }));

const providerArn: pulumi.Output<string> = existingProviderArn
  ? pulumi.output(existingProviderArn)
  : new aws.iam.OpenIdConnectProvider('github', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdLists: [STS_AUDIENCE],
      tags,
    }).arn;

/** A role GitHub Actions assumes with its OIDC token for one `sub`, and its one inline policy. */
function ciRole(kind: 'preview' | 'deploy', name: string, description: string, subject: (t: Target) => string, policy: (t: Target) => unknown) {
  const role = new aws.iam.Role(kind, {
    name,
    description,
    assumeRolePolicy: pulumi.all([providerArn, target]).apply(([arn, t]) => JSON.stringify(trustPolicy(arn, subject(t)))),
    maxSessionDuration: 3600,
    tags,
  });
  new aws.iam.RolePolicy(kind, { role: role.name, name: `berth-${kind}`, policy: target.apply((t) => JSON.stringify(policy(t))) });
  return role;
}

// Made before the roles: the deploy role's policy names it, and a berth stack sets it on its host role.
const hostBoundary = new aws.iam.Policy('host-boundary', {
  name: target.apply(hostBoundaryName),
  description: `berth: the most any host role of stack ${berthStack} may do (SSM agent, this stack's parameters)`,
  policy: target.apply((t) => JSON.stringify(boundaryPolicy(t))),
  tags,
});

const previewRole = ciRole(
  'preview',
  PREVIEW_ROLE_NAME,
  `berth CI: pulumi preview from pull requests of ${repository} (read-only)`,
  (t) => previewSubject(t.repository),
  previewPolicy,
);
const deployRole = ciRole(
  'deploy',
  DEPLOY_ROLE_NAME,
  `berth CI: pulumi up of stack ${berthStack} from the ${environment} environment of ${repository}`,
  (t) => deploySubject(t.repository, t.environment),
  deployPolicy,
);

export const oidcProviderArn = providerArn;
export const previewRoleArn = previewRole.arn;
export const deployRoleArn = deployRole.arn;
export const hostRoleBoundaryArn = hostBoundary.arn;
