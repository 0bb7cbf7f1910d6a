// `npm run release:wait` arguments, parsed and checked as data. The contract:
//   --association-id ID --region REGION --timeout SECONDS   (all three, or none)
// With none, the selected stack's outputs (associationId, region) are read with the Pulumi CLI.
export class WaitUsageError extends Error {
  override name = 'WaitUsageError';
}

export interface WaitArgs {
  readonly associationId?: string;
  readonly region?: string;
  readonly timeoutS?: number;
  /** pulumi's --stack, when the outputs are read from a stack. */
  readonly stack?: string;
}

const ASSOCIATION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const FLAGS = ['--association-id', '--region', '--timeout', '--stack'] as const;

export function parseWaitArgs(argv: readonly string[]): WaitArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!(FLAGS as readonly string[]).includes(flag)) {
      throw new WaitUsageError(`release:wait: unknown option '${flag}'; use --association-id ID --region REGION --timeout SECONDS (or none of them, to read the selected stack), and --stack NAME`);
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new WaitUsageError(`release:wait: ${flag} needs a value`);
    values.set(flag, value);
    i++;
  }
  const id = values.get('--association-id');
  if (id !== undefined && !ASSOCIATION_ID.test(id)) throw new WaitUsageError(`release:wait: --association-id must be an association id (a UUID, the stack's associationId output); got '${id}'`);
  const region = values.get('--region');
  if (region !== undefined && !REGION.test(region)) throw new WaitUsageError(`release:wait: --region must be an AWS region such as us-east-1; got '${region}'`);
  const timeout = values.get('--timeout');
  let timeoutS: number | undefined;
  if (timeout !== undefined) {
    timeoutS = Number(timeout);
    if (!/^\d+$/.test(timeout) || timeoutS < 1 || timeoutS > 86_400) throw new WaitUsageError(`release:wait: --timeout must be whole seconds from 1 to 86400; got '${timeout}'`);
  }
  const stack = values.get('--stack');
  if (stack !== undefined && !/^[\w.-]+(\/[\w.-]+){0,2}$/.test(stack)) throw new WaitUsageError(`release:wait: --stack must be a stack name such as dev or org/berth/prod; got '${stack}'`);
  if (id !== undefined && stack !== undefined) throw new WaitUsageError('release:wait: give --association-id or --stack, not both');
  if (id === undefined && region !== undefined) throw new WaitUsageError('release:wait: --region goes with --association-id; without it the region comes from the stack');
  return { ...(id ? { associationId: id } : {}), ...(region ? { region } : {}), ...(timeoutS ? { timeoutS } : {}), ...(stack ? { stack } : {}) };
}

/** The association and region from `pulumi stack output --json`. */
export function targetFromOutputs(text: string): { associationId: string; region: string } {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new WaitUsageError(`release:wait: pulumi stack output --json did not print JSON: ${text.slice(0, 200)}`);
  }
  const { associationId, region } = outputs;
  if (typeof associationId !== 'string' || typeof region !== 'string') {
    throw new WaitUsageError('release:wait: the stack has no associationId and region outputs; deploy it with pulumi up, or pass --association-id ID --region REGION');
  }
  return { associationId, region };
}
