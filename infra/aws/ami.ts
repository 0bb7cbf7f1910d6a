// Which image a host boots: the newest Amazon Linux 2023 AMI that Amazon publishes for the
// instance's architecture. Looked up, never hard-coded (AMI ids differ per region and change with
// every release of AL2023); the component passes these arguments to ec2.getAmi as they are.
// The name pattern is AL2023's standard images ("al2023-ami-2023.<version>-kernel-<kernel>-<arch>";
// the minimal ones, "al2023-ami-minimal-…", do not match), and the architecture filter keeps an
// x86_64 host off an arm64 image and back. Moved unchanged out of the host component.

export type Architecture = 'x86_64' | 'arm64';

export interface AmiLookup {
  readonly owners: readonly string[];
  readonly mostRecent: boolean;
  readonly filters: readonly { readonly name: string; readonly values: readonly string[] }[];
}

export function al2023AmiLookup(architecture: Architecture): AmiLookup {
  return {
    owners: ['amazon'],
    mostRecent: true,
    filters: [
      { name: 'name', values: [`al2023-ami-2023.*-kernel-*-${architecture}`] },
      { name: 'architecture', values: [architecture] },
      { name: 'state', values: ['available'] },
    ],
  };
}
