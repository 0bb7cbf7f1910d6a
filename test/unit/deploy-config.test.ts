// The deployment's configuration: every bad value stops the program before any resource is made,
// with one message naming the key and the fix. Secrets must be set as secrets.
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../infra/config/read.js';
import { ConfigError, RESERVED_ENV, SSM_STANDARD_VALUE_BYTES, validateDeployConfig } from '../../infra/config/validate.js';
import { editDistance } from '../../infra/config/suggest.js';

const good = {
  'aws:region': 'eu-central-1',
  'berth:image': 'alice/berth-notes',
  'berth:registryUsername': 'alice',
  'berth:registryToken': 'dckr_pat_canary',
};
const goodSecrets = ['berth:registryToken'];

function validate(overrides: Record<string, string | undefined>, secrets: string[] = goodSecrets) {
  return validateDeployConfig({ values: { ...good, ...overrides }, secretKeys: new Set(secrets), knownKeys: CONFIG_KEYS });
}

describe('a good configuration', () => {
  it('fills in the defaults', () => {
    expect(validate({})).toEqual({
      region: 'eu-central-1',
      image: { registry: 'docker.io', path: 'alice/berth-notes', name: 'docker.io/alice/berth-notes' },
      registryUsername: 'alice',
      registryToken: 'dckr_pat_canary',
      instanceType: 't3.micro',
      platform: 'linux/amd64',
      hostPort: 80,
      allowedCidrs: ['0.0.0.0/0'],
      env: {},
      secretEnv: {},
      dataVolumeGiB: 8,
      release: { healthIntervalS: 1, deployTimeoutS: 30, drainTimeoutS: 30 },
      app: {
        name: 'notes', context: 'app', dockerfile: 'Dockerfile', port: 8080, healthPath: '/healthz', dataPath: '/data',
        user: '1000:1000', memoryMiB: 256, cpus: 1, pids: 100, readOnly: true,
      },
      backups: { enabled: true, everyHours: 24, retainDays: 7 },
    });
  });

  it('takes a domain with its ACME settings, and the release gate', () => {
    const root = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
    const config = validate({
      'berth:domain': 'notes.example.com', 'berth:acmeCa': 'https://acme-staging-v02.api.letsencrypt.org/directory',
      'berth:acmeEmail': 'ops@example.com', 'berth:acmeCaRoot': root.replace(/\n/g, '\r\n'),
      'berth:healthInterval': '2', 'berth:deployTimeout': '120', 'berth:drainTimeout': '0',
    });
    expect(config.https).toEqual({ domain: 'notes.example.com', acmeCa: 'https://acme-staging-v02.api.letsencrypt.org/directory', acmeEmail: 'ops@example.com', acmeCaRootPem: root });
    expect(config.release).toEqual({ healthIntervalS: 2, deployTimeoutS: 120, drainTimeoutS: 0 });
    // Let's Encrypt unless told otherwise; 80 (Pulumi.yaml's default hostPort) is no contradiction.
    expect(validate({ 'berth:domain': 'notes.example.com', 'berth:hostPort': '80' }).https).toEqual({ domain: 'notes.example.com', acmeCa: 'https://acme-v02.api.letsencrypt.org/directory' });
    expect(validate({ 'berth:acmeCa': 'https://acme-v02.api.letsencrypt.org/directory' }).https).toBeUndefined();
  });

  it('takes every key', () => {
    const config = validate(
      {
        'berth:image': 'registry.example.com:5000/team/notes',
        'berth:instanceType': 't4g.small',
        'berth:hostPort': '8080',
        'berth:allowedCidrs': '["203.0.113.0/24", "2001:db8::/32"]',
        'berth:env': '{"GREETING":"hi","LOG_LEVEL":"debug"}',
        'berth:secretEnv': '{"API_KEY":"s3cr3t"}',
        'berth:dataVolumeGiB': '20',
      },
      [...goodSecrets, 'berth:secretEnv'],
    );
    expect(config).toMatchObject({
      image: { registry: 'registry.example.com:5000', path: 'team/notes', name: 'registry.example.com:5000/team/notes' },
      instanceType: 't4g.small',
      platform: 'linux/arm64',
      hostPort: 8080,
      allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'],
      env: { GREETING: 'hi', LOG_LEVEL: 'debug' },
      secretEnv: { API_KEY: 's3cr3t' },
      dataVolumeGiB: 20,
    });
    expect(validate({ 'berth:image': 'docker.io/alice/notes' }).image.name).toBe('docker.io/alice/notes');
    expect(validate({ 'berth:pinDigest': `sha256:${'c'.repeat(64)}` }).pinDigest).toBe(`sha256:${'c'.repeat(64)}`);
    expect(validate({ 'berth:image': 'localhost:5000/notes' }).image).toEqual({
      registry: 'localhost:5000', path: 'notes', name: 'localhost:5000/notes',
    });
  });
});

const IMAGE_HINT =
  '; use a repository such as youruser/berth-notes, docker.io/youruser/berth-notes or registry.example.com:5000/team/berth-notes';

const badConfigs: Array<[string, Record<string, string | undefined>, string[] | undefined, string]> = [
  ['no region', { 'aws:region': undefined }, undefined, 'aws:region: is required; set it with: pulumi config set aws:region us-east-1'],
  ['a region that is not one', { 'aws:region': 'Frankfurt' }, undefined, 'aws:region: must be an AWS region such as us-east-1; got "Frankfurt"'],
  ['no image', { 'berth:image': undefined }, undefined, 'berth:image: is required; set it with: pulumi config set berth:image youruser/berth-notes'],
  ['an image with a tag', { 'berth:image': 'alice/notes:latest' }, undefined, `berth:image: must not name a tag (berth runs the image by digest); got "alice/notes:latest"${IMAGE_HINT}`],
  ['an image with a digest', { 'berth:image': `alice/notes@sha256:${'a'.repeat(64)}` }, undefined, `berth:image: must not name a digest (berth pushes and pins the digest itself); got "alice/notes@sha256:${'a'.repeat(41)}…"${IMAGE_HINT}`],
  ['an image in upper case', { 'berth:image': 'Alice/Notes' }, undefined, `berth:image: must be lower-case letters, digits and . _ - separated by /; got "Alice/Notes"${IMAGE_HINT}`],
  ['a Docker Hub image without a user', { 'berth:image': 'notes' }, undefined, `berth:image: on Docker Hub it must be user/name (you cannot push to the library namespace); got "notes"${IMAGE_HINT}`],
  ['an image with an empty path component', { 'berth:image': 'alice//notes' }, undefined, `berth:image: must be lower-case letters, digits and . _ - separated by /; got "alice//notes"${IMAGE_HINT}`],
  ['a registry host that is not one', { 'berth:image': 'reg_istry.example.com/notes' }, undefined, `berth:image: has an invalid registry host "reg_istry.example.com"${IMAGE_HINT}`],
  ['no registry user', { 'berth:registryUsername': undefined }, undefined, 'berth:registryUsername: is required; set it with: pulumi config set berth:registryUsername youruser'],
  ['a registry user with a space', { 'berth:registryUsername': 'alice smith' }, undefined, 'berth:registryUsername: must not contain spaces; got "alice smith"'],
  ['no registry token', { 'berth:registryToken': undefined }, undefined, 'berth:registryToken: is required; set it with: pulumi config set --secret berth:registryToken <access token>'],
  ['a registry token in plain text', {}, [], 'berth:registryToken: is stored in plain text; set it as a secret: pulumi config set --secret berth:registryToken <access token>'],
  ['an instance type that is not one', { 'berth:instanceType': 'micro' }, undefined, 'berth:instanceType: must be an EC2 instance type such as t3.micro; got "micro"'],
  ['a host port that is not a number', { 'berth:hostPort': 'http' }, undefined, 'berth:hostPort: must be a port from 1 to 65535; got "http"'],
  ['a host port of 0', { 'berth:hostPort': '0' }, undefined, 'berth:hostPort: must be a port from 1 to 65535; got "0"'],
  ['a host port above 65535', { 'berth:hostPort': '70000' }, undefined, 'berth:hostPort: must be a port from 1 to 65535; got "70000"'],
  ['the SSH port', { 'berth:hostPort': '22' }, undefined, 'berth:hostPort: must not be 22: SSH stays closed (berth reaches the host through SSM); use 80, 443 or 8080'],
  ['CIDRs that are not JSON', { 'berth:allowedCidrs': '10.0.0.0/8' }, undefined, 'berth:allowedCidrs: must be a JSON list of CIDRs such as ["203.0.113.0/24"]; got "10.0.0.0/8"'],
  ['CIDRs that are not a list', { 'berth:allowedCidrs': '"10.0.0.0/8"' }, undefined, 'berth:allowedCidrs: must be a list of CIDRs such as ["203.0.113.0/24"]; got "\\"10.0.0.0/8\\""'],
  ['no CIDRs at all', { 'berth:allowedCidrs': '[]' }, undefined, 'berth:allowedCidrs: is empty, which would let nobody reach the app; use ["0.0.0.0/0"] for everyone'],
  ['a CIDR with host bits set', { 'berth:allowedCidrs': '["203.0.113.7/24"]' }, undefined, 'berth:allowedCidrs: "203.0.113.7/24" has host bits set; did you mean "203.0.113.0/24"?'],
  ['a CIDR with an octet over 255', { 'berth:allowedCidrs': '["300.0.0.0/8"]' }, undefined, 'berth:allowedCidrs: "300.0.0.0/8" is not a valid IPv4 CIDR'],
  ['an address without a prefix', { 'berth:allowedCidrs': '["203.0.113.7"]' }, undefined, 'berth:allowedCidrs: "203.0.113.7" is not a CIDR such as 203.0.113.0/24 or 2001:db8::/32'],
  ['env that is not an object', { 'berth:env': '["GREETING=hi"]' }, undefined, 'berth:env: must be an object of names to strings such as {"GREETING":"hi"}; got "[\\"GREETING=hi\\"]"'],
  ['env that is not JSON', { 'berth:env': 'GREETING=hi' }, undefined, 'berth:env: must be a JSON object of names to strings such as {"GREETING":"hi"}; got "GREETING=hi"'],
  ['an env name that is not a variable name', { 'berth:env': '{"MY-VAR":"x"}' }, undefined, 'berth:env: "MY-VAR" is not a valid variable name (letters, digits and _, not starting with a digit)'],
  ['an env name starting with a digit', { 'berth:env': '{"1ST":"x"}' }, undefined, 'berth:env: "1ST" is not a valid variable name (letters, digits and _, not starting with a digit)'],
  ['an env name berth reserves', { 'berth:env': '{"PORT":"9000"}' }, undefined, `berth:env: PORT is set by berth itself; choose another name (reserved: ${RESERVED_ENV.join(', ')})`],
  ['an env value that is a number', { 'berth:env': '{"WORKERS":4}' }, undefined, 'berth:env: WORKERS must be a string; write "4", with quotes, or with --path: pulumi config set --path --type string berth:env.WORKERS 4'],
  ['a secret env value that is a number, not shown', { 'berth:secretEnv': '{"PIN":90210}' }, [...goodSecrets, 'berth:secretEnv'], 'berth:secretEnv: PIN must be a string; write "…", with quotes, or with --path: pulumi config set --path --type string --secret berth:secretEnv.PIN <value>'],
  ['an env value with a newline', { 'berth:env': '{"MOTD":"a\\nb"}' }, undefined, 'berth:env: MOTD must be one line: an env file cannot hold a newline; got "a?b"'],
  ['env set as a secret', { 'berth:env': '{"GREETING":"hi"}' }, [...goodSecrets, 'berth:env'], 'berth:env: is a secret, but its values would be handled as plain text; move secret values to berth:secretEnv'],
  ['secret env in plain text', { 'berth:secretEnv': '{"API_KEY":"canary-plain"}' }, undefined, `berth:secretEnv: is stored in plain text; set it as a secret: pulumi config set --secret berth:secretEnv '{"API_KEY":"…"}'`],
  ['a secret env value with a newline, not shown', { 'berth:secretEnv': '{"KEY":"canary\\nline"}' }, [...goodSecrets, 'berth:secretEnv'], 'berth:secretEnv: KEY must be one line: an env file cannot hold a newline; got (value hidden)'],
  ['a variable in both env and secret env', { 'berth:env': '{"API_KEY":"a"}', 'berth:secretEnv': '{"API_KEY":"b"}' }, [...goodSecrets, 'berth:secretEnv'], 'berth:secretEnv: API_KEY is also in berth:env; keep each variable in one of them'],
  ['a data volume of 0 GiB', { 'berth:dataVolumeGiB': '0' }, undefined, 'berth:dataVolumeGiB: must be a whole number of GiB from 1 to 65536 (the gp3 limit, CreateVolume Size); got "0"'],
  ['a data volume over gp3\'s 64 TiB', { 'berth:dataVolumeGiB': '65537' }, undefined, 'berth:dataVolumeGiB: must be a whole number of GiB from 1 to 65536 (the gp3 limit, CreateVolume Size); got "65537"'],
  ['a data volume in TB', { 'berth:dataVolumeGiB': '1.5TB' }, undefined, 'berth:dataVolumeGiB: must be a whole number of GiB from 1 to 65536 (the gp3 limit, CreateVolume Size); got "1.5TB"'],
  ['a domain with a scheme', { 'berth:domain': 'https://notes.example.com' }, undefined, 'berth:domain: must be a lower-case DNS name such as notes.example.com, whose A record points at the host\'s publicIp; got "https://notes.example.com"'],
  ['a domain and another port', { 'berth:domain': 'notes.example.com', 'berth:hostPort': '8080' }, undefined, 'berth:hostPort: 8080 is not used with berth:domain (HTTPS serves on 443 and redirects from 80); remove it: pulumi config rm berth:hostPort'],
  ['an ACME CA over plain HTTP', { 'berth:domain': 'notes.example.com', 'berth:acmeCa': 'http://ca.example.com/dir' }, undefined, 'berth:acmeCa: must be an ACME directory URL such as https://acme-v02.api.letsencrypt.org/directory; got "http://ca.example.com/dir"'],
  ['an ACME email that is not one', { 'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops' }, undefined, 'berth:acmeEmail: must be an email address, the contact of your account with the ACME CA; got "ops"'],
  ['an ACME email without a domain', { 'berth:acmeEmail': 'ops@example.com' }, undefined, 'berth:acmeEmail: only applies with berth:domain; set berth:domain or remove berth:acmeEmail'],
  ['an ACME root that is not a certificate', { 'berth:domain': 'notes.example.com', 'berth:acmeCaRoot': 'root.pem' }, undefined, 'berth:acmeCaRoot: must be one PEM certificate (-----BEGIN CERTIFICATE----- …), the root that signs your private ACME CA\'s TLS; set it with: pulumi config set berth:acmeCaRoot -- "$(cat root.pem)"'],
  ['a health interval of 0', { 'berth:healthInterval': '0' }, undefined, 'berth:healthInterval: must be a whole number of seconds from 1 to 60; got "0"'],
  ['a deploy timeout in minutes', { 'berth:deployTimeout': '2m' }, undefined, 'berth:deployTimeout: must be a whole number of seconds from 5 to 900; got "2m"'],
  ['a health interval longer than the timeout', { 'berth:healthInterval': '40', 'berth:deployTimeout': '30' }, undefined, 'berth:healthInterval: 40 s is longer than berth:deployTimeout (30 s), so no check would run in time; lower it'],
  // What SSM Parameter Store refuses, refused here first: an empty value, and more than a standard
  // parameter's 4096 bytes (counted in UTF-8: 'é' is two bytes, so 2,100 of them are 4,200 bytes in
  // 2,100 characters). The value is never shown.
  ['an empty secret env value', { 'berth:secretEnv': '{"API_KEY":""}' }, [...goodSecrets, 'berth:secretEnv'], 'berth:secretEnv: API_KEY is empty, and SSM Parameter Store refuses an empty value; give API_KEY a value or remove it from berth:secretEnv'],
  ['a secret env value over 4096 bytes in fewer characters', { 'berth:secretEnv': JSON.stringify({ CERT: `canary${'é'.repeat(2100)}` }) }, [...goodSecrets, 'berth:secretEnv'], 'berth:secretEnv: CERT is over the 4096 bytes (UTF-8) a standard SSM parameter holds; shorten it'],
  ['a registry token over 4096 bytes', { 'berth:registryToken': `canary${'x'.repeat(4091)}` }, undefined, 'berth:registryToken: is over the 4096 bytes a standard SSM parameter holds (berth stores it as one SecureString); set the access token alone: pulumi config set --secret berth:registryToken <access token>'],
  // A key nothing reads would leave its default silently in place.
  ['a misspelled key', { 'berth:hostport': '8080' }, undefined, 'berth:hostport: unknown key; did you mean berth:hostPort? (pulumi config rm berth:hostport)'],
  ['the region in the wrong namespace', { 'berth:region': 'us-east-1' }, undefined, 'berth:region: unknown key; did you mean aws:region? (pulumi config rm berth:region)'],
  ['a key like no other', { 'berth:replicas': '3' }, undefined, 'berth:replicas: unknown key; berth reads only the keys Pulumi.yaml declares (README: Deployment configuration); remove it: pulumi config rm berth:replicas'],
  ['a pinned digest that is a tag', { 'berth:pinDigest': 'v1.2.0' }, undefined, 'berth:pinDigest: must be an image digest such as sha256:<64 hex digits> (an earlier release\'s: pulumi stack output imageDigest); got "v1.2.0"'],
];

describe('a bad configuration stops the program with one message naming the key and the fix', () => {
  it(`has at least 25 cases (${badConfigs.length})`, () => expect(badConfigs.length).toBeGreaterThanOrEqual(25));

  it.each(badConfigs)('%s', (_what, overrides, secrets, message) => {
    let error: unknown;
    try {
      validate(overrides, secrets);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([message]);
    expect((error as ConfigError).message).toBe(`invalid configuration: ${message}`);
    expect((error as ConfigError).message).not.toContain('canary');
    expect((error as ConfigError).message).not.toContain('90210');
  });

  it('names a misspelled key first, since it is often why another reads as missing', () => {
    expect(() => validate({ 'berth:image': undefined, 'berth:imgae': 'alice/notes' })).toThrow(
      'invalid configuration (2 problems):\n  - berth:imgae: unknown key; did you mean berth:image? (pulumi config rm berth:imgae)\n  - berth:image: is required',
    );
  });

  it('lists every problem at once, so one run fixes them all', () => {
    expect(() => validate({ 'aws:region': undefined, 'berth:hostPort': '22' }, [])).toThrow(
      'invalid configuration (3 problems):\n  - aws:region: is required',
    );
  });
});

describe('secrets fit what SSM Parameter Store holds', () => {
  const withSecret = (value: string) => validate({ 'berth:secretEnv': JSON.stringify({ CERT: value }) }, [...goodSecrets, 'berth:secretEnv']);

  it('up to 4096 bytes, counted in UTF-8: non-ASCII counts twice or more', () => {
    expect(SSM_STANDARD_VALUE_BYTES).toBe(4096);
    expect(withSecret('é'.repeat(2048)).secretEnv.CERT).toHaveLength(2048); // 4096 bytes
    expect(() => withSecret(`${'é'.repeat(2048)}x`)).toThrow('CERT is over the 4096 bytes');
    expect(() => withSecret('€'.repeat(1366))).toThrow('CERT is over the 4096 bytes'); // 1366 characters, 4098 bytes
    expect(withSecret('x'.repeat(4096)).secretEnv.CERT).toHaveLength(4096);
    expect(validate({ 'berth:registryToken': 'x'.repeat(4096) }).registryToken).toHaveLength(4096);
  });

  it('a plain env value may be empty: it never reaches SSM', () => {
    expect(validate({ 'berth:env': '{"GREETING":""}' }).env).toEqual({ GREETING: '' });
  });
});

describe('keys of the berth namespace are the keys berth reads', () => {
  it('suggests the nearest known key, ignoring case and counting a swap of neighbours as one edit', () => {
    const guess = (key: string) => {
      try {
        validate({ [key]: 'x' });
      } catch (err) {
        return /did you mean (\S+)\?/.exec((err as ConfigError).problems[0]!)?.[1];
      }
      return 'accepted';
    };
    expect(guess('berth:HOSTPORT')).toBe('berth:hostPort');
    expect(guess('berth:domian')).toBe('berth:domain');
    expect(guess('berth:secretenvs')).toBe('berth:secretEnv');
    expect(guess('berth:healthCheckInterval')).toBe('berth:healthInterval');
    expect(guess('berth:allowedCidr')).toBe('berth:allowedCidrs');
    expect(guess('berth:token')).toBeUndefined();
    expect(editDistance('imgae', 'image')).toBe(1);
    expect(editDistance('hostport', 'hostport')).toBe(0);
    expect(editDistance('', 'env')).toBe(3);
  });

  it("leaves other namespaces alone: aws:, pulumi: and docker: keys are their programs' business", () => {
    expect(() => validate({ 'aws:profile': 'work', 'pulumi:tags': '{"team":"x"}', 'docker:host': 'unix:///var/run/docker.sock' })).not.toThrow();
  });

  it('shows a key it cannot type as one quoted shell word', () => {
    expect(() => validate({ "berth:it's": 'x' })).toThrow(`remove it: pulumi config rm 'berth:it'\\''s'`);
  });
});

describe('allowedCidrs within what one security group holds', () => {
  const nets = (n: number, v6 = false) => JSON.stringify(Array.from({ length: n }, (_, i) => (v6 ? `2001:db8:${i.toString(16)}::/48` : `10.${i}.0.0/16`)));
  const root = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
  it('takes up to 60 inbound rules per IP family: 60 networks on one port, 59 with a public-CA domain (80 is one rule), 30 with a private CA', () => {
    expect(validate({ 'berth:allowedCidrs': nets(60) }).allowedCidrs).toHaveLength(60);
    expect(validate({ 'berth:allowedCidrs': nets(59), 'berth:domain': 'notes.example.com' }).allowedCidrs).toHaveLength(59);
    expect(validate({ 'berth:allowedCidrs': nets(30), 'berth:domain': 'notes.example.com', 'berth:acmeCa': 'https://ca.internal/dir', 'berth:acmeCaRoot': root }).allowedCidrs).toHaveLength(30);
  });
  it('refuses more, naming the key, the count and the fix', () => {
    expect(() => validate({ 'berth:allowedCidrs': nets(61) })).toThrow('berth:allowedCidrs: 61 IPv4 networks make 61 inbound rules, over the security group\'s 60; merge them into fewer, wider CIDRs');
    expect(() => validate({ 'berth:allowedCidrs': nets(31, true), 'berth:domain': 'notes.example.com', 'berth:acmeCa': 'https://ca.internal/dir', 'berth:acmeCaRoot': root })).toThrow('31 IPv6 networks make 62 inbound rules');
  });
});
