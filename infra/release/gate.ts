// How `pulumi up` waits for a release: a local command (@pulumi/command's local.Command) that
// runs berth's release waiter (ops/release-wait.ts) once per release association, and fails
// the update with the hosts' reasons when the release fails. Needed because the AWS provider waits
// for an association only on create (waitForSuccessTimeoutSeconds is read in
// resourceAssociationCreate, never in resourceAssociationUpdate; hashicorp/terraform-provider-aws
// internal/service/ssm/association.go), and even that wait can end early
// (hashicorp/terraform-provider-aws#31175). Pure data: infra/components/release-channel.ts wires it.
import { DOCUMENT_TIMEOUT_S } from './ssm-document.js';

export interface ReleaseGate {
  readonly associationId: string;
  readonly region: string;
  readonly timeoutS: number;
}

/** Longer than the document may run: a new host's first release also waits for its boot. */
export const RELEASE_GATE_TIMEOUT_S = DOCUMENT_TIMEOUT_S + 300;

/** The command the provider runs with /bin/sh, in the directory `pulumi up` runs in (the project's).
 * The values come through the environment, so nothing is quoted into the command line. */
export const RELEASE_WAIT_COMMAND =
  'npm run --silent release:wait -- --association-id "$BERTH_ASSOCIATION_ID" --region "$BERTH_REGION" --timeout "$BERTH_RELEASE_TIMEOUT_S"';

export function releaseWaitEnvironment(gate: ReleaseGate): Record<string, string> {
  return { BERTH_ASSOCIATION_ID: gate.associationId, BERTH_REGION: gate.region, BERTH_RELEASE_TIMEOUT_S: String(gate.timeoutS) };
}

/** The waiter's arguments once the shell has expanded the command: what release:wait parses. */
export function releaseWaitArgs(command: string, environment: Readonly<Record<string, string>>): string[] {
  const [, args = ''] = command.split(' -- ');
  return args.split(' ').map((word) => word.replace(/^"\$([A-Z_]+)"$/, (_, name: string) => environment[name] ?? ''));
}
