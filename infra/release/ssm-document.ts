// berth's SSM command document: how a release reaches a running host in place. Pure data.
// A State Manager association (infra/components/release-channel.ts) targets the instance with this document and the
// release's manifest as its one parameter; AWS runs it when the association is created (berth
// makes a new association per release), and `pulumi up` waits for that run with the release
// waiter (infra/release/gate.ts). The document fetches the release bundle the manifest names from
// Parameter Store (infra/host/fetch-release.sh, the same fetcher the user-data embeds) and runs
// the deploy script that came in it, which swaps containers behind the proxy. It runs under the
// SSM agent's `sh` (dash on Debian), so it is POSIX sh.
import { MANIFEST_PATTERN } from './bundle.js';

/** Seconds the document may run: a first boot's installs, a pull, the health gate and the drain. */
export const DOCUMENT_TIMEOUT_S = 1200;

export function renderDeployDocument(fetchScript: string): Record<string, unknown> {
  return {
    schemaVersion: '2.2',
    description: 'berth: deploy one release of the app on this host, health-gated, with no dropped request (infra/host/deploy.sh)',
    parameters: {
      manifest: {
        type: 'String',
        description: 'The release manifest (infra/release/bundle.ts): region, sha256, and the parts as parameter:version.',
        // Nothing outside this pattern can reach the command line SSM substitutes it into.
        allowedPattern: MANIFEST_PATTERN,
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
            'umask 077',
            ...fetchScript.trimEnd().split('\n'),
            'dir=$(mktemp -d /run/berth-release.XXXXXX)',
            "fetch_release '{{ manifest }}' \"$dir\"",
            'rc=0',
            '"$dir/files/deploy.sh" release "$dir/files" || rc=$?',
            'rm -rf "$dir"',
            'exit "$rc"',
          ],
        },
      },
    ],
  };
}
