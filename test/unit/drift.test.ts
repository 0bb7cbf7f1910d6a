// The container's shape is defined once (infra/app/spec.ts). These tests fail when the Dockerfile,
// compose.yaml or the server's own defaults drift from it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_SERVICE } from '../../ops/local/plan.js';
import { parseConfig } from '../../app/src/config.js';
import { HEALTH_PATH } from '../../app/src/paths.js';
import { containerShape as shape } from '../../infra/app/spec.js';

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

describe('app/Dockerfile agrees with the container shape', () => {
  const stage = runtimeStage();
  const values = (instruction: string) => stage.filter(([i]) => i === instruction).map(([, rest]) => rest);
  const env = Object.fromEntries(
    values('ENV').flatMap((rest) => [...rest.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
  );

  it('exposes and listens on the container port', () => {
    expect(values('EXPOSE')).toEqual([String(shape.containerPort)]);
    expect(env.PORT).toBe(String(shape.containerPort));
  });

  it('keeps its data in the shape\'s data directory, owned by the shape\'s user', () => {
    expect(env.DATA_DIR).toBe(shape.dataDir);
    expect(values('RUN').join('\n')).toContain(`chown ${shape.user} ${shape.dataDir}`);
  });

  it('runs as the shape\'s non-root user', () => {
    expect(values('USER')).toEqual([shape.user]);
    expect(shape.user.split(':')[0]).not.toBe('0');
  });

  it('has the shape\'s health check', () => {
    const [check] = values('HEALTHCHECK');
    const { intervalS, timeoutS, startPeriodS, retries, command } = shape.health;
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

describe('the server\'s own defaults agree with the container shape', () => {
  it('listens on the container port and keeps data in the data directory', () => {
    const defaults = parseConfig({});
    expect(defaults.port).toBe(shape.containerPort);
    expect(defaults.dataDir).toBe(shape.dataDir);
    expect(HEALTH_PATH).toBe(shape.healthPath);
  });
});

describe('compose.yaml agrees with the container shape', () => {
  const compose = parse(read('compose.yaml'));
  const service = compose.services.notes;

  it('has one service, the one npm run local:* --compose names', () => {
    expect(Object.keys(compose.services)).toEqual([COMPOSE_SERVICE]);
  });

  it('publishes the container port and mounts the named volume on the data directory', () => {
    expect(service.ports).toHaveLength(1);
    expect(service.ports[0]).toMatch(new RegExp(`:${shape.containerPort}$`));
    expect(service.volumes).toEqual([`notes-data:${shape.dataDir}`]);
    expect(Object.keys(compose.volumes)).toEqual(['notes-data']);
  });

  it('runs hardened and limited exactly as docker run does', () => {
    expect(service).toMatchObject({
      user: shape.user,
      read_only: shape.hardening.readOnlyRoot,
      tmpfs: shape.hardening.tmpfs,
      cap_drop: shape.hardening.capDrop,
      security_opt: shape.hardening.securityOpt,
      mem_limit: shape.limits.memory,
      memswap_limit: shape.limits.memory,
      cpus: shape.limits.cpus,
      pids_limit: shape.limits.pids,
      restart: shape.restart,
      stop_grace_period: `${shape.stopGraceS}s`,
      logging: {
        driver: shape.logging.driver,
        options: { 'max-size': shape.logging.maxSize, 'max-file': String(shape.logging.maxFile) },
      },
    });
    expect(service.privileged).toBeUndefined();
    expect(service.cap_add).toBeUndefined();
  });

  it('checks health as the image does', () => {
    const { command, intervalS, timeoutS, startPeriodS, retries } = shape.health;
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
