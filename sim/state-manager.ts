// A stand-in for SSM State Manager at the API boundary: an HTTP endpoint on loopback that speaks
// SSM's JSON protocol (awsJson1.1: POST /, X-Amz-Target: AmazonSSM.<Operation>, SigV4-signed), so
// the real AWS SDK client of the release waiter talks to it through AWS_ENDPOINT_URL_SSM, exactly
// as it talks to AWS. It behaves as the SSM API reference and the State Manager guide document:
//   - CreateAssociation / UpdateAssociation / DeleteAssociation / DescribeAssociation;
//     every update is a new AssociationVersion, and the 1,001st is refused
//     (AssociationVersionLimitExceeded: "You can have at most 1,000 versions of an association");
//   - an association runs when created and when updated (ApplyOnlyAtCronInterval false), once
//     the target's agent picks it up: after `pickupDelayMs`, never if `agentPicksUp` is false;
//   - one execution per run, each of one version, with its targets (by instance id, or by tag
//     tag:<key>) and per-target results whose OutputSource is the Run Command id;
//   - Overview.Status is what the last *finished* execution said: right after an update it still
//     shows the previous run's result (the stale status a waiter must not trust);
//   - rate control: MaxConcurrency (a number or a percentage; default: all at once) hosts run at
//     once; once more than MaxErrors (number or percentage; default: no limit) failed, the hosts not
//     yet started are not run and end Skipped, and the association's Overview says so in its
//     AssociationStatusAggregatedCount (e.g. {Failed: 1, Skipped: 2}) and DetailedStatus. AWS: "If
//     you specify 0, then the system stops sending requests after the first error is returned ...
//     Executions that are already running an association when MaxErrors is reached are allowed to
//     complete ... set MaxConcurrency to 1 so that executions proceed one at a time" (SSM API
//     reference, CreateAssociation / AssociationVersionInfo, MaxErrors). Simpler here: the stand-in
//     decides per target as it starts it, in instance-id order (AWS's order is not documented);
//     it does not run the association on an instance that joins the targets mid-run (AWS lets a
//     new instance run it, MaxConcurrency notwithstanding, and State Manager applies associations
//     to new matching instances; berth's new hosts fetch the release at boot instead); and the
//     status words for skipped targets (Skipped) are the stand-in's, not verified against AWS;
//   - an instance deregistered (terminated) is no longer a target of later runs;
//   - GetCommandInvocation returns the first 24,000 characters of stdout and the first 8,000 of
//     stderr, as the API reference says of StandardOutputContent and StandardErrorContent;
//   - DescribeInstanceInformation answers each registered agent's PingStatus;
//   - a document's content together with the parameter values given may not exceed 64 KB
//     (InvalidParameters), and AssociationName must match ^[a-zA-Z0-9_\-.]{3,128}$.
// Anything else it is asked answers 400 with __type UnknownOperationException, so a call it does
// not model cannot pass silently.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a target's agent returns for one run of the document (SimHost.runDocument's result). */
export interface RunOutcome {
  readonly commandId?: string;
  readonly status: 'Success' | 'Failed' | 'TimedOut';
  readonly stdout: string;
  readonly stderr: string;
}

export interface ManagedInstance {
  readonly instanceId: string;
  readonly tags?: Readonly<Record<string, string>>;
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive';
  /** Runs the document with its parameters on the instance, as the agent does. */
  readonly run: (documentContent: string, parameters: Readonly<Record<string, string>>) => Promise<RunOutcome>;
}

interface Target {
  readonly Key: string;
  readonly Values: readonly string[];
}

interface TargetResult {
  readonly resourceId: string;
  status: string;
  detailedStatus: string;
  commandId?: string;
  lastExecutionDate?: number;
}

interface Execution {
  readonly executionId: string;
  readonly version: string;
  status: string;
  detailedStatus: string;
  readonly createdTime: number;
  lastExecutionDate?: number;
  readonly targets: TargetResult[];
}

interface Association {
  readonly associationId: string;
  version: number;
  name: string;
  associationName?: string;
  documentVersion?: string;
  targets: Target[];
  parameters: Record<string, string[]>;
  maxConcurrency?: string;
  maxErrors?: string;
  applyOnlyAtCronInterval: boolean;
  readonly date: number;
  overview: { Status: string; DetailedStatus: string; AssociationStatusAggregatedCount?: Record<string, number> };
  readonly executions: Execution[];
  deleted: boolean;
}

interface Invocation {
  readonly commandId: string;
  readonly instanceId: string;
  status: string;
  stdout: string;
  stderr: string;
}

export interface StateManagerOptions {
  readonly region?: string;
  /** Milliseconds from a create or update until the agent starts the run. */
  pickupDelayMs?: number;
  /** False: the agent never picks a new version up (a stuck or absent agent). */
  agentPicksUp?: boolean;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const VERSION_LIMIT = 1000;
export const DOCUMENT_WITH_PARAMETERS_LIMIT_BYTES = 64 * 1024;
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
const ASSOCIATION_NAME = /^[a-zA-Z0-9_\-.]{3,128}$/;

export class StateManager {
  readonly region: string;
  pickupDelayMs: number;
  agentPicksUp: boolean;
  private readonly associations = new Map<string, Association>();
  private readonly documents = new Map<string, string>();
  private readonly instances = new Map<string, ManagedInstance>();
  private readonly invocations = new Map<string, Invocation>();
  private readonly running = new Set<Promise<void>>();
  private server: http.Server | undefined;
  /** Every operation called, in order. */
  readonly calls: string[] = [];
  endpoint = '';

  constructor(options: StateManagerOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.pickupDelayMs = options.pickupDelayMs ?? 0;
    this.agentPicksUp = options.agentPicksUp ?? true;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Waits for the runs in progress, then stops listening. */
  async close(): Promise<void> {
    this.agentPicksUp = false;
    await Promise.allSettled([...this.running]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The document the program created (aws.ssm.Document), by name. */
  putDocument(name: string, content: string): void {
    this.documents.set(name, content);
  }

  register(instance: ManagedInstance): void {
    this.instances.set(instance.instanceId, instance);
  }

  /** The instance is gone (terminated): later runs no longer target it. */
  deregister(instanceId: string): void {
    this.instances.delete(instanceId);
  }

  /** Resolves when every run started so far has ended. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** The environment for an AWS SDK or CLI process that should talk to this stand-in. */
  clientEnv(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SSM: this.endpoint,
      AWS_REGION: this.region,
      AWS_ACCESS_KEY_ID: 'AKIASTATEMANAGERSIM',
      AWS_SECRET_ACCESS_KEY: 'state-manager-sim-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}), 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('AmazonSSM.')) throw new ApiError('UnknownOperationException', `not an SSM JSON request: ${req.method} ${target}`);
      // SigV4: the stand-in checks that the request is signed for ssm in this region.
      const auth = String(req.headers.authorization ?? '');
      if (!new RegExp(`^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+/\\d{8}/${this.region}/ssm/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`).test(auth)) {
        throw new ApiError('UnrecognizedClientException', `the request is not SigV4-signed for ssm in ${this.region}: ${auth.slice(0, 120)}`);
      }
      const op = target.slice('AmazonSSM.'.length);
      this.calls.push(op);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
      reply(200, this.operation(op, input));
    } catch (err) {
      if (err instanceof ApiError) reply(400, { __type: err.type, message: err.message }, err.type);
      else reply(500, { __type: 'InternalServerError', message: String(err) }, 'InternalServerError');
    }
  }

  private operation(op: string, input: Record<string, any>): unknown {
    switch (op) {
      case 'CreateAssociation':
        return { AssociationDescription: this.describe(this.create(input)) };
      case 'UpdateAssociation':
        return { AssociationDescription: this.describe(this.update(input)) };
      case 'DeleteAssociation':
        this.association(input.AssociationId).deleted = true;
        return {};
      case 'DescribeAssociation':
        return { AssociationDescription: this.describe(this.association(input.AssociationId)) };
      case 'DescribeAssociationExecutions': {
        const a = this.association(input.AssociationId);
        const all = [...a.executions].reverse().map((e) => ({
          AssociationId: a.associationId,
          AssociationVersion: e.version,
          ExecutionId: e.executionId,
          Status: e.status,
          DetailedStatus: e.detailedStatus,
          CreatedTime: e.createdTime / 1000,
          ...(e.lastExecutionDate ? { LastExecutionDate: e.lastExecutionDate / 1000 } : {}),
          ResourceCountByStatus: countByStatus(e.targets),
        }));
        return page(all, input, 'AssociationExecutions');
      }
      case 'DescribeAssociationExecutionTargets': {
        const a = this.association(input.AssociationId);
        const e = a.executions.find((x) => x.executionId === input.ExecutionId);
        if (!e) throw new ApiError('AssociationExecutionDoesNotExist', `execution ${input.ExecutionId} of ${a.associationId} does not exist`);
        const all = e.targets.map((t) => ({
          AssociationId: a.associationId,
          AssociationVersion: e.version,
          ExecutionId: e.executionId,
          ResourceId: t.resourceId,
          ResourceType: 'ManagedInstance',
          Status: t.status,
          DetailedStatus: t.detailedStatus,
          ...(t.lastExecutionDate ? { LastExecutionDate: t.lastExecutionDate / 1000 } : {}),
          ...(t.commandId ? { OutputSource: { OutputSourceId: t.commandId, OutputSourceType: 'RunCommand' } } : {}),
        }));
        return page(all, input, 'AssociationExecutionTargets');
      }
      case 'GetCommandInvocation': {
        const inv = this.invocations.get(`${input.CommandId}/${input.InstanceId}`);
        if (!inv) throw new ApiError('InvocationDoesNotExist', `no invocation of command ${input.CommandId} on ${input.InstanceId}`);
        return {
          CommandId: inv.commandId,
          InstanceId: inv.instanceId,
          DocumentName: 'berth',
          Status: inv.status,
          StatusDetails: inv.status,
          ResponseCode: inv.status === 'Success' ? 0 : 1,
          StandardOutputContent: inv.stdout.slice(0, STDOUT_LIMIT),
          StandardErrorContent: inv.stderr.slice(0, STDERR_LIMIT),
        };
      }
      case 'DescribeInstanceInformation': {
        const filter = (input.Filters ?? []).find((f: any) => f.Key === 'InstanceIds');
        const ids: string[] = filter ? filter.Values : [...this.instances.keys()];
        return {
          InstanceInformationList: ids
            .filter((id) => this.instances.has(id))
            .map((id) => ({ InstanceId: id, PingStatus: this.instances.get(id)!.pingStatus, PlatformType: 'Linux', ResourceType: 'EC2Instance' })),
        };
      }
      default:
        throw new ApiError('UnknownOperationException', `the State Manager stand-in does not model ${op}`);
    }
  }

  private association(id: unknown): Association {
    const a = typeof id === 'string' ? this.associations.get(id) : undefined;
    if (!a || a.deleted) throw new ApiError('AssociationDoesNotExist', `association ${String(id)} does not exist`);
    return a;
  }

  private validate(a: Pick<Association, 'name' | 'associationName' | 'parameters' | 'targets' | 'maxConcurrency' | 'maxErrors'>): void {
    const content = this.documents.get(a.name);
    if (content === undefined) throw new ApiError('InvalidDocument', `document ${a.name} does not exist`);
    if (a.associationName !== undefined && !ASSOCIATION_NAME.test(a.associationName)) {
      throw new ApiError('ValidationException', `AssociationName ${JSON.stringify(a.associationName)} must match ${ASSOCIATION_NAME.source}`);
    }
    const size = Buffer.byteLength(content) + Object.values(a.parameters).flat().reduce((n, v) => n + Buffer.byteLength(v), 0);
    if (size > DOCUMENT_WITH_PARAMETERS_LIMIT_BYTES) {
      throw new ApiError('InvalidParameters', `the document's content with its parameter values is ${size} bytes, over the 64 KB limit`);
    }
    if (a.targets.length === 0) throw new ApiError('InvalidTarget', 'an association needs Targets');
    for (const rate of [a.maxConcurrency, a.maxErrors]) {
      if (rate !== undefined && !/^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%|0)$/.test(rate)) throw new ApiError('ValidationException', `rate ${rate} must be a number or a percentage`);
    }
  }

  private create(input: Record<string, any>): Association {
    const a: Association = {
      associationId: randomUUID(),
      version: 1,
      name: String(input.Name),
      ...(input.AssociationName !== undefined ? { associationName: String(input.AssociationName) } : {}),
      ...(input.DocumentVersion !== undefined ? { documentVersion: String(input.DocumentVersion) } : {}),
      targets: input.Targets ?? [],
      parameters: input.Parameters ?? {},
      ...(input.MaxConcurrency !== undefined ? { maxConcurrency: String(input.MaxConcurrency) } : {}),
      ...(input.MaxErrors !== undefined ? { maxErrors: String(input.MaxErrors) } : {}),
      applyOnlyAtCronInterval: input.ApplyOnlyAtCronInterval === true,
      date: Date.now(),
      overview: { Status: 'Pending', DetailedStatus: 'Creating' },
      executions: [],
      deleted: false,
    };
    this.validate(a);
    this.associations.set(a.associationId, a);
    if (!a.applyOnlyAtCronInterval) this.schedule(a);
    return a;
  }

  private update(input: Record<string, any>): Association {
    const a = this.association(input.AssociationId);
    if (a.version >= VERSION_LIMIT) throw new ApiError('AssociationVersionLimitExceeded', `You can have at most ${VERSION_LIMIT} versions of an association (${a.associationId})`);
    const next = {
      name: input.Name !== undefined ? String(input.Name) : a.name,
      associationName: input.AssociationName !== undefined ? String(input.AssociationName) : a.associationName,
      parameters: input.Parameters ?? a.parameters,
      targets: input.Targets ?? a.targets,
      maxConcurrency: input.MaxConcurrency !== undefined ? String(input.MaxConcurrency) : a.maxConcurrency,
      maxErrors: input.MaxErrors !== undefined ? String(input.MaxErrors) : a.maxErrors,
    };
    this.validate(next);
    Object.assign(a, next, { version: a.version + 1 });
    if (input.DocumentVersion !== undefined) a.documentVersion = String(input.DocumentVersion);
    if (input.ApplyOnlyAtCronInterval !== undefined) a.applyOnlyAtCronInterval = input.ApplyOnlyAtCronInterval === true;
    // Overview is left as the last finished run set it: stale until this version has run.
    if (!a.applyOnlyAtCronInterval) this.schedule(a);
    return a;
  }

  private describe(a: Association): Record<string, unknown> {
    return {
      AssociationId: a.associationId,
      AssociationVersion: String(a.version),
      Name: a.name,
      ...(a.associationName ? { AssociationName: a.associationName } : {}),
      ...(a.documentVersion ? { DocumentVersion: a.documentVersion } : {}),
      Targets: a.targets,
      Parameters: a.parameters,
      ...(a.maxConcurrency ? { MaxConcurrency: a.maxConcurrency } : {}),
      ...(a.maxErrors ? { MaxErrors: a.maxErrors } : {}),
      ApplyOnlyAtCronInterval: a.applyOnlyAtCronInterval,
      Date: a.date / 1000,
      Overview: a.overview,
    };
  }

  /** The instances the targets name, in id order. */
  private resolve(targets: readonly Target[]): string[] {
    const ids = new Set<string>();
    for (const t of targets) {
      if (t.Key === 'InstanceIds') t.Values.forEach((id) => ids.add(id));
      else if (t.Key.startsWith('tag:')) {
        const key = t.Key.slice(4);
        for (const inst of this.instances.values()) if (inst.tags && t.Values.includes(inst.tags[key] ?? '\0')) ids.add(inst.instanceId);
      } else throw new ApiError('InvalidTarget', `target key ${t.Key} is not modelled by the stand-in (InstanceIds, tag:<key>)`);
    }
    return [...ids].sort();
  }

  private schedule(a: Association): void {
    const version = String(a.version);
    const snapshot = { name: a.name, parameters: a.parameters, targets: a.targets, maxConcurrency: a.maxConcurrency, maxErrors: a.maxErrors };
    const job = (async () => {
      await new Promise((r) => setTimeout(r, this.pickupDelayMs));
      if (!this.agentPicksUp || a.deleted || String(a.version) !== version) return;
      const ids = this.resolve(snapshot.targets);
      const execution: Execution = {
        executionId: randomUUID(),
        version,
        status: 'InProgress',
        detailedStatus: 'InProgress',
        createdTime: Date.now(),
        targets: ids.map((id) => ({ resourceId: id, status: 'Pending', detailedStatus: 'Pending' })),
      };
      a.executions.push(execution);
      const limit = (rate: string | undefined, fallback: number) =>
        rate === undefined ? fallback : rate.endsWith('%') ? Math.max(1, Math.floor((ids.length * Number(rate.slice(0, -1))) / 100)) : Number(rate);
      const concurrency = Math.max(1, limit(snapshot.maxConcurrency, ids.length));
      const maxErrors = snapshot.maxErrors === undefined ? Infinity : snapshot.maxErrors.endsWith('%') ? Math.floor((ids.length * Number(snapshot.maxErrors.slice(0, -1))) / 100) : Number(snapshot.maxErrors);
      const content = this.documents.get(snapshot.name)!;
      const params = Object.fromEntries(Object.entries(snapshot.parameters).map(([k, v]) => [k, v[0] ?? '']));
      let errors = 0;
      const queue = [...execution.targets];
      const worker = async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          if (errors > maxErrors) {
            Object.assign(t, { status: 'Skipped', detailedStatus: 'Skipped: MaxErrors reached', lastExecutionDate: Date.now() });
            continue;
          }
          const instance = this.instances.get(t.resourceId);
          if (!instance || instance.pingStatus !== 'Online') {
            // An agent that is not Online cannot take the run: the stand-in leaves the target
            // Pending (and the execution InProgress), so a waiter sees nothing finish. (How long AWS
            // keeps such a target pending before it gives up is not modelled.)
            continue;
          }
          Object.assign(t, { status: 'InProgress', detailedStatus: 'InProgress' });
          let outcome: RunOutcome;
          try {
            outcome = await instance.run(content, params);
          } catch (err) {
            outcome = { status: 'Failed', stdout: '', stderr: String((err as Error).message) };
          }
          const commandId = outcome.commandId ?? randomUUID();
          this.invocations.set(`${commandId}/${t.resourceId}`, { commandId, instanceId: t.resourceId, status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr });
          Object.assign(t, { status: outcome.status, detailedStatus: outcome.status, commandId, lastExecutionDate: Date.now() });
          if (outcome.status !== 'Success') errors++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, ids.length)) }, worker));
      if (execution.targets.some((t) => t.status === 'Pending')) return;
      const failed = execution.targets.some((t) => t.status !== 'Success');
      const skipped = execution.targets.filter((t) => t.status === 'Skipped').length;
      execution.status = failed ? 'Failed' : 'Success';
      execution.detailedStatus = skipped > 0 ? `Failed: MaxErrors ${snapshot.maxErrors} reached; ${skipped} of ${ids.length} targets not run` : execution.status;
      execution.lastExecutionDate = Date.now();
      const aggregated: Record<string, number> = {};
      for (const t of execution.targets) aggregated[t.status] = (aggregated[t.status] ?? 0) + 1;
      a.overview = { Status: execution.status, DetailedStatus: execution.detailedStatus, AssociationStatusAggregatedCount: aggregated };
    })();
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }
}

/** ResourceCountByStatus is a string in the API ("An aggregate status of the resources"), e.g. {Success=1}. */
function countByStatus(targets: readonly TargetResult[]): string {
  const counts: Record<string, number> = {};
  for (const t of targets) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return `{${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

function page<T>(all: readonly T[], input: Record<string, any>, key: string): Record<string, unknown> {
  const start = input.NextToken ? Number(input.NextToken) : 0;
  const size = Math.min(Number(input.MaxResults ?? 50), 50);
  const items = all.slice(start, start + size);
  return { [key]: items, ...(start + size < all.length ? { NextToken: String(start + size) } : {}) };
}
