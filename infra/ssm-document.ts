// berth's SSM command document: how a release reaches a running host in place. Pure data.
// A State Manager association (infra/host.ts) targets the instance with this document and the
// release as its parameter; AWS runs it when the association is created or its parameters change,
// and the AWS provider waits for it to succeed, so `pulumi up` fails when the release does.
// The document writes the release file and runs the deploy script the user-data installed, which
// swaps containers behind the proxy. It runs under the SSM agent's `sh` (dash on Debian), so it is
// POSIX sh.
import { HOST_LAYOUT } from './release.js';

/** The release file, base64: the only characters the parameter's allowedPattern lets through, so
 * nothing in it can break out of the command line SSM substitutes it into. */
export const RELEASE_PARAMETER_PATTERN = '^[A-Za-z0-9+/]+={0,2}$';
/** Seconds the document may run: the boot's installs, a pull, the health gate and the drain. */
export const DOCUMENT_TIMEOUT_S = 1200;
/** Seconds the document waits for the user-data to have installed deploy.sh on a new host. */
export const SCRIPT_WAIT_S = 600;

export const encodeRelease = (releaseFile: string): string => Buffer.from(releaseFile, 'utf8').toString('base64');

export function renderDeployDocument(): Record<string, unknown> {
  const script = HOST_LAYOUT.deployScript;
  return {
    schemaVersion: '2.2',
    description: 'berth: deploy one release of the app on this host, health-gated, with no dropped request (infra/host/deploy.sh)',
    parameters: {
      release: {
        type: 'String',
        description: 'The release file (infra/release.ts), base64.',
        allowedPattern: RELEASE_PARAMETER_PATTERN,
      },
    },
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'deploy',
        inputs: {
          timeoutSeconds: String(DOCUMENT_TIMEOUT_S),
          runCommand: [
            'set -eu',
            // On a new host the agent can start before cloud-init has run the user-data.
            `waited=0; while [ ! -x ${script} ]; do if [ "$waited" -ge ${SCRIPT_WAIT_S} ]; then echo "berth: FAILED: ${script} is missing after ${SCRIPT_WAIT_S} s; did the user-data run? (see the console output)" >&2; exit 1; fi; sleep 2; waited=$((waited + 2)); done`,
            'release=$(mktemp /run/berth-release.XXXXXX)',
            `printf '%s' '{{ release }}' | base64 -d >"$release"`,
            `exec ${script} release "$release"`,
          ],
        },
      },
    ],
  };
}
