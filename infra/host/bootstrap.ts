// The EC2 host's user-data, rendered by pure functions: a bootstrap only. It holds nothing that
// changes when berth's code or the host's settings change: the region, the name of this stack's
// release manifest parameter, and the small fetcher (infra/host/fetch-release.sh). So upgrading
// berth or changing a setting never changes it, and the AWS provider never stops the instance to
// apply it. Everything else arrives with each release (infra/release/bundle.ts): the deploy
// script, the host settings (host.env, infra/host/settings.ts), and the proxy's config.
//
// The user-data is MIME multipart, the form AWS documents for "run on every boot":
//   1. cloud-config that sets cloud-init's scripts-user module to run "always", and
//   2. a script that, on every boot, hands over to the deploy script of the release that last
//      went live (`<liveDir>/deploy.sh boot`, which converges to that release), and on a new
//      host's first boot fetches the stack's current release from Parameter Store and runs it:
//      the host serves without waiting for State Manager, which then finds it already serving.
import { gzipSync } from 'node:zlib';
import { shellQuote } from '../app/docker-commands.js';
import { HOST_LAYOUT } from './contract.js';

/** EC2 refuses user-data over 16 KB (before base64; gzip counts as sent). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;


const MIME_BOUNDARY = '==BERTH-USER-DATA==';
export class UserDataError extends Error {
  override name = 'UserDataError';
}

export function renderCloudConfig(): string {
  return [
    '#cloud-config',
    '# Run the user-data script on every boot, not only the first: a reboot re-checks the host and',
    '# brings back the last release that went live, with the deploy script that came with it.',
    'cloud_final_modules:',
    '  - [scripts-user, always]',
    '',
  ].join('\n');
}

/** What the bootstrap needs to find the stack's release; fixed for the life of a stack. */
export interface Bootstrap {
  readonly region: string;
  /** The SSM parameter holding the current release's manifest (infra/release/bundle.ts). */
  readonly manifestParameter: string;
}

/** The user-data's shell part: hand over to the live release's deploy script, or fetch the first. */
export function renderBootstrap(bootstrap: Bootstrap, fetchScript: string): string {
  const live = HOST_LAYOUT.liveDir;
  return [
    '#!/bin/bash',
    '# berth bootstrap, rendered by infra/host/bootstrap.ts. Every boot: converge to the release that last',
    '# went live, with the deploy script that came with it. First boot: fetch the current release.',
    'set -euo pipefail',
    'umask 077',
    `if [ -x ${live}/deploy.sh ]; then exec ${live}/deploy.sh boot; fi`,
    fetchScript.trimEnd(),
    `manifest=$(berth_parameter ${shellQuote(bootstrap.region)} ${shellQuote(bootstrap.manifestParameter)}) ||`,
    `  berth_fetch_fail "could not read the release manifest ${bootstrap.manifestParameter}; State Manager will deliver the release"`,
    'dir=$(mktemp -d /run/berth-release.XXXXXX)',
    'fetch_release "$manifest" "$dir"',
    'rc=0',
    '"$dir/files/deploy.sh" release "$dir/files" || rc=$?',
    'rm -rf "$dir"',
    'exit "$rc"',
    '',
  ].join('\n');
}

/** MIME multipart/mixed, the container cloud-init reads several user-data parts from. */
export function multipart(parts: readonly { readonly type: string; readonly body: string }[]): string {
  const part = ({ type, body }: { type: string; body: string }) =>
    [`--${MIME_BOUNDARY}`, `Content-Type: ${type}; charset="us-ascii"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit', '', body].join('\n');
  return [`Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, 'MIME-Version: 1.0', '', ...parts.map(part), `--${MIME_BOUNDARY}--`, ''].join('\n');
}

/** The whole user-data as text: MIME multipart with the cloud-config part and the bootstrap. */
export function renderUserData(bootstrap: Bootstrap, fetchScript: string): string {
  const text = multipart([
    { type: 'text/cloud-config', body: renderCloudConfig() },
    { type: 'text/x-shellscript', body: renderBootstrap(bootstrap, fetchScript) },
  ]);
  if (/[^\x09\x0a\x20-\x7e]/.test(text)) throw new UserDataError('the user-data must be printable ASCII (its parts are 7bit)');
  return text;
}

/** The user-data as EC2 takes it: gzip, then base64 (the instance's userDataBase64); cloud-init
 * unpacks gzip user-data itself. EC2's 16 KB counts the bytes before base64. */
export function packUserData(text: string): string {
  const packed = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  if (packed.length > USER_DATA_LIMIT_BYTES) {
    throw new UserDataError(
      `the user-data is ${packed.length} bytes gzipped, over EC2's limit of ${USER_DATA_LIMIT_BYTES}; the bootstrap should be far smaller; was infra/host/fetch-release.sh made larger?`,
    );
  }
  return packed.toString('base64');
}
