// Not AWS, at the same boundary: the registry and Docker (docker:index/image:Image), and the
// command provider (command:local:Command).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { releaseWaitArgs } from '../../../infra/release/gate.js';
import { parseWaitArgs } from '../../../ops/release-wait/args.js';
import { type FieldRules, matches, noConstraint, rule } from './shared.js';

export const TOOL_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  // Not AWS: the registry and Docker. distribution/reference (regexp.go, reference.go): a name is
  // [domain[:port]/]path-component(/path-component)* with components [a-z0-9]+ joined by . _ __ or
  // dashes, at most 255 characters in all; a tag is [\w][\w.-]{0,127}. Docker answers "invalid
  // reference format".
  'docker:index/image:Image': {
    imageName: [rule('reference', 'InvalidReferenceFormat', 'distribution/reference regexp.go (name, tag) and NameTotalLengthMax = 255', (v) => {
      const m = /^(?:((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?$/.exec(String(v));
      if (!m) return `invalid reference format: ${String(v)}`;
      const name = String(v).replace(/:[\w][\w.-]{0,127}$/, '');
      return name.length > 255 ? `invalid reference format: repository name must not be more than 255 characters` : undefined;
    })],
    // The docker provider builds from the context directory and Dockerfile as given, resolved from
    // the project directory where Pulumi runs the program (the tests run from the repository root).
    'build.context': [rule('exists', 'BuildContextNotFound', '@pulumi/docker Image build.context; docker build: "unable to prepare context"', (v) =>
      existsSync(path.resolve(String(v))) && statSync(path.resolve(String(v))).isDirectory() ? undefined : `unable to prepare context: path "${String(v)}" not found`)],
    'build.dockerfile': [rule('exists', 'BuildContextNotFound', '@pulumi/docker Image build.dockerfile', (v) =>
      existsSync(path.resolve(String(v))) ? undefined : `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${String(v)}: no such file or directory`)],
    // BuildKit platforms are os/arch[/variant] (containerd/platforms); an EC2 host is linux/amd64 or
    // linux/arm64.
    'build.platform': [rule('platform', 'InvalidPlatform', 'containerd/platforms (os/arch[/variant]); BuildKit --platform', matches(/^linux\/(amd64|arm64(\/v8)?)$/, 'linux/amd64 or linux/arm64'))],
    'build.args': noConstraint('build-arg names and values are the Dockerfile\'s business'),
    'registry.server': [rule('host', 'InvalidReferenceFormat', 'distribution/reference regexp.go (domain)', matches(/^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/, 'a registry host[:port]'))],
    'registry.username': noConstraint('whatever the registry accepts; it answers at login'),
    'registry.password': noConstraint('a secret the registry checks at login; never echoed'),
    buildOnPreview: noConstraint("a boolean of the provider's own (the SDK sends its default)"),
    skipPush: noConstraint("a boolean of the provider's own (the SDK sends its default)"),
  },

  // Not AWS: pulumi-command runs `create` with /bin/sh on this machine. The only command berth gives
  // it is the release waiter, so the mock parses it as release:wait would and refuses what
  // release:wait refuses; anything else is refused as a command the mock cannot run.
  'command:local:Command': {
    create: [rule('release-waiter', 'UnsupportedCommand', "berth's release gate (infra/release/gate.ts), parsed as ops/release-wait/args.ts does", (v, { inputs }) => {
      if (!String(v).startsWith('npm run --silent release:wait -- ')) return `command:local:Command runs only berth's release waiter here, not: ${String(v)}`;
      parseWaitArgs(releaseWaitArgs(String(v), (inputs.environment ?? {}) as Record<string, string>));
      return undefined;
    })],
    // execve(2) takes NAME=value strings: a name with = or NUL cannot be passed.
    environment: [rule('names', 'InvalidEnvironment', 'POSIX execve(2): environment entries are NAME=value', (v) => {
      const bad = Object.keys(v as object).find((k) => k === '' || k.includes('=') || k.includes('\0'));
      return bad !== undefined ? `environment variable name ${JSON.stringify(bad)} cannot be passed` : undefined;
    })],
    triggers: noConstraint('any values; a change replaces the command (pulumi-command Command triggers)'),
  },
};
