// npm run local:<step> [-- --stack NAME --port N --name NAME --bind /abs/dir --compose]: the
// plain-docker way to run berth on this machine (the app of Pulumi.NAME.yaml with --stack, else the
// default app); logs, exec and status act on the compose deployment with --compose.
// Prints each docker command, then runs it, from the repository root.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellLine } from '../infra/app/docker-commands.js';
import { projectFiles } from '../infra/config/read.js';
import { COMPOSE_SERVICE, appFromStackFile, localPlan, parseLocalArgs, UsageError } from './local/plan.js';
import { StatusError, describeContainer, parseInspect } from './status.js';
import { runAttached, runSync } from './run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function main(): number {
  let parsed;
  try {
    parsed = parseLocalArgs(process.argv.slice(2), process.env, loadStackApp);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const plan = localPlan(parsed.command, parsed.options);
  if (parsed.command === 'status') {
    if (!parsed.options.compose) return status(plan[0]!, parsed.options.name);
    const id = runSync(plan[0]!, { cwd: root });
    const container = id.stdout.trim();
    if (id.error || id.code !== 0 || !container) {
      process.stderr.write(`local: no running compose service ${COMPOSE_SERVICE}; start it with docker compose up --build --detach\n`);
      return 1;
    }
    return status(['docker', 'inspect', container], container);
  }
  for (const [program, ...args] of plan) {
    process.stdout.write(`$ ${shellLine([program!, ...args])}\n`);
    if (parsed.command === 'print') continue;
    const result = runAttached([program!, ...args], { cwd: root });
    if (result.error) {
      process.stderr.write(`local: could not run ${program}: ${result.error.message}; is Docker installed?\n`);
      return 1;
    }
    if (result.code !== 0) return result.code ?? 1;
  }
  if (parsed.command === 'run' || parsed.command === 'up') {
    // Ask Docker where the port landed (it picks one when --port 0).
    const port = runSync(['docker', 'port', parsed.options.name, String(parsed.options.app.port)]);
    const address = port.stdout.split('\n')[0]?.trim() || `127.0.0.1:${parsed.options.port}`;
    process.stdout.write(`${parsed.options.name} is starting on http://${address}/ (ready when ${parsed.options.app.healthPath} answers)\n`);
  }
  return 0;
}

/** The stack's app, from its config file beside Pulumi.yaml, validated as `pulumi up` validates it. */
function loadStackApp(stack: string) {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`local: no stack config file Pulumi.${stack}.yaml in ${root}; create the stack with pulumi stack init ${stack}`);
  }
  return appFromStackFile(stack, text, projectFiles(root));
}

/** Runs docker inspect and prints what it says about the container, as host:status does. */
function status(argv: readonly string[], name: string): number {
  const [program] = argv;
  const result = runSync(argv, { cwd: root });
  if (result.error) {
    process.stderr.write(`local: could not run ${program}: ${result.error.message}; is Docker installed?\n`);
    return 1;
  }
  try {
    const container = parseInspect(result.stdout || '[]', name);
    if (!container) {
      process.stderr.write(`local: no container named ${name}; start it with npm run local:up\n`);
      return 1;
    }
    process.stdout.write(`${describeContainer(container, new Date()).join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof StatusError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main();
