// Reads a release bundle (a gzipped ustar archive, base64) back into its files, for tests that
// look inside what the program published. (test/unit/release.test.ts unpacks it with the real tar.)
import { gunzipSync } from 'node:zlib';

export function readBundle(base64: string): Map<string, string> {
  const tar = gunzipSync(Buffer.from(base64, 'base64'));
  const files = new Map<string, string>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('ascii').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    files.set(name, tar.subarray(at + 512, at + 512 + size).toString('utf8'));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
