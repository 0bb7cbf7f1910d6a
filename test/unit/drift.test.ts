// The default app (infra/config/schema.ts's DEFAULT_APP, the notes server) and berth's container
// policy (infra/app/spec.ts) are defined once. These tests fail when app/Dockerfile, compose.yaml
// or the server's own defaults drift from them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_SERVICE } from '../../ops/local/plan.js';
import { parseConfig } from '../../app/src/config.js';
import { HEALTH_PATH } from '../../app/src/paths.js';
import { CONTAINER_POLICY as policy, NOTES_HEALTHCHECK as health, memoryFlag } from '../../infra/app/spec.js';
import { DEFAULT_APP as app } from '../../infra/config/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The Dockerfile as [INSTRUCTION, rest] pairs, continuation lines joined, comments dropped. */
function dockerfile(text: string): Array<[string, string]> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [instruction, ...rest] = line.split(/\s+/);
      return [instruction!.toUpperCase(), rest.join(' ')];
    });
}

/** Instructions of the last stage (the runtime image). */
function runtimeStage(): Array<[string, string]> {
  const all = dockerfile(read('app/Dockerfile'));
  const lastFrom = all.map(([i]) => i).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

describe('app/Dockerfile agrees with the default app', () => {
  const stage = runtimeStage();
  const values = (instruction: string) => stage.filter(([i]) => i === instruction).map(([, rest]) => rest);
  const env = Object.fromEntries(
    values('ENV').flatMap((rest) => [...rest.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
  );

  it('exposes and listens on the container port', () => {
    expect(values('EXPOSE')).toEqual([String(app.port)]);
    expect(env.PORT).toBe(String(app.port));
  });

  it('keeps its data in the app\'s data path, owned by the app\'s user', () => {
    expect(env.DATA_DIR).toBe(app.dataPath);
    expect(values('RUN').join('\n')).toContain(`chown ${app.user} ${app.dataPath}`);
  });

  it('runs as the app\'s non-root user', () => {
    expect(values('USER')).toEqual([app.user]);
    expect(app.user.split(':')[0]).not.toBe('0');
  });

  it('has the notes server\'s health check', () => {
    const [check] = values('HEALTHCHECK');
    const { intervalS, timeoutS, startPeriodS, retries, command } = health;
    expect(check).toBe(
      `--interval=${intervalS}s --timeout=${timeoutS}s --start-period=${startPeriodS}s --retries=${retries} CMD ${JSON.stringify(command).replace(/,/g, ', ')}`,
    );
  });

  it('pins its base image to an exact version through a build arg', () => {
    const [arg] = dockerfile(read('app/Dockerfile')).filter(([i, rest]) => i === 'ARG' && rest.startsWith('NODE_IMAGE='));
    expect(arg?.[1]).toMatch(/^NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/);
    expect(stage[0]).toEqual(['FROM', '${NODE_IMAGE} AS runtime']);
  });
});

describe('the server\'s own defaults agree with the default app', () => {
  it('listens on the app\'s port, keeps data in its data path and answers its health path', () => {
    const defaults = parseConfig({});
    expect(defaults.port).toBe(app.port);
    expect(defaults.dataDir).toBe(app.dataPath);
    expect(HEALTH_PATH).toBe(app.healthPath);
  });
});

describe('compose.yaml agrees with the default app and berth\'s container policy', () => {
  const compose = parse(read('compose.yaml'));
  const service = compose.services.notes;

  it('has one service, the one npm run local:* --compose names', () => {
    expect(Object.keys(compose.services)).toEqual([COMPOSE_SERVICE]);
  });

  it('builds the app\'s context with its Dockerfile', () => {
    expect(path.normalize(service.build.context)).toBe(app.context);
    expect(service.build.dockerfile ?? 'Dockerfile').toBe(app.dockerfile);
  });

  it('publishes the container port and mounts the named volume on the data directory', () => {
    expect(service.ports).toHaveLength(1);
    expect(service.ports[0]).toMatch(new RegExp(`:${app.port}$`));
    expect(service.volumes).toEqual([`notes-data:${app.dataPath}`]);
    expect(Object.keys(compose.volumes)).toEqual(['notes-data']);
  });

  it('runs hardened and limited exactly as docker run does', () => {
    expect(service).toMatchObject({
      user: app.user,
      read_only: app.readOnly,
      tmpfs: policy.tmpfs,
      cap_drop: policy.capDrop,
      security_opt: policy.securityOpt,
      mem_limit: memoryFlag(app),
      memswap_limit: memoryFlag(app),
      cpus: app.cpus,
      pids_limit: app.pids,
      restart: policy.restart,
      stop_grace_period: `${policy.stopGraceS}s`,
      logging: {
        driver: policy.logging.driver,
        options: { 'max-size': policy.logging.maxSize, 'max-file': String(policy.logging.maxFile) },
      },
    });
    expect(service.privileged).toBeUndefined();
    expect(service.cap_add).toBeUndefined();
  });

  it('checks health as the image does', () => {
    const { command, intervalS, timeoutS, startPeriodS, retries } = health;
    expect(service.healthcheck).toEqual({
      test: ['CMD', ...command],
      interval: `${intervalS}s`,
      timeout: `${timeoutS}s`,
      start_period: `${startPeriodS}s`,
      retries,
    });
  });

  it('takes env from both environment and env_file', () => {
    expect(service.environment).toEqual({ LOG_LEVEL: 'info' });
    expect(service.env_file).toEqual(['local.env']);
  });
});
