// The phases of a release, read from the host's Docker events (`docker events --format '{{json .}}'`)
// rather than from berth's own output, so the chart shows what the engine did: the image pulled,
// the new container created, the two renames that switch traffic, the old container removed.
// Pure: events in, phases out (test/unit/release-chart.test.ts).
import type { ChartPhase } from './release-chart.js';

/** One Docker event, as `docker events --format '{{json .}}'` prints it (the fields read here). */
export interface DockerEvent {
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes?: Readonly<Record<string, string>> };
  readonly timeNano: number;
}

// timeNano is past 2^53, so JSON.parse keeps it to about 0.25 µs: rounded to the ms here.
const atMs = (e: DockerEvent, originMs: number) => Math.round(e.timeNano / 1e6) - originMs;
const nameOf = (e: DockerEvent) => e.Actor.Attributes?.name ?? '';

/**
 * berth's release (deploy.sh): fetch the bundle and pull, start the new container and gate it on
 * health, rename old then new (the switch), let the proxy's lookup settle, stop the old one, then
 * remove it and prune images. `originMs` is the epoch ms the load started; `startMs` and `endMs`
 * (relative to it) bound the release's command.
 */
export function berthReleasePhases(events: readonly DockerEvent[], originMs: number, startMs: number, endMs: number, app: string): ChartPhase[] {
  const containers = events.filter((e) => e.Type === 'container');
  const created = containers.find((e) => e.Action === 'create' && nameOf(e).startsWith(`${app}-`) && !nameOf(e).includes('-retiring-'));
  const renames = containers.filter((e) => e.Action === 'rename');
  const retired = renames.find((e) => nameOf(e).includes('-retiring-'));
  const promoted = renames.find((e) => nameOf(e) === app);
  const of = (action: string) => retired && containers.find((e) => e.Action === action && e.Actor.ID === retired.Actor.ID);
  const stopped = of('kill');
  const died = of('die');
  const pulled = events.find((e) => e.Type === 'image' && e.Action === 'pull');
  if (!created || !retired || !promoted) return [{ name: 'release', fromMs: startMs, toMs: endMs }];
  const t = (e: DockerEvent) => atMs(e, originMs);
  return [
    // From the command's start to the new container: the bundle and secrets fetched, the registry
    // login, and the pull unless the image is on the host already (a rollback, a re-release).
    { name: pulled ? 'fetch, login, pull' : 'fetch, login', fromMs: startMs, toMs: t(created) },
    { name: 'health gate', fromMs: t(created), toMs: t(retired) },
    { name: 'switch', fromMs: t(retired), toMs: t(promoted) },
    // deploy.sh waits SWITCH_SETTLE_S for the proxy's next lookup, then stops the old container
    // (SIGTERM: the old app finishes its requests and exits), removes it, and prunes old images
    // before the command ends.
    ...(stopped && died
      ? [
          { name: 'settle', fromMs: t(promoted), toMs: t(stopped) },
          { name: 'stop old', fromMs: t(stopped), toMs: t(died) },
          { name: 'remove, prune', fromMs: t(died), toMs: endMs },
        ]
      : [{ name: 'drain', fromMs: t(promoted), toMs: endMs }]),
  ];
}

/** The naive baseline: stop and remove the old container, run the new one, until it answers. */
export function naiveReleasePhases(events: readonly DockerEvent[], originMs: number, startMs: number, endMs: number, name: string): ChartPhase[] {
  const mine = events.filter((e) => e.Type === 'container' && nameOf(e) === name);
  const created = mine.find((e) => e.Action === 'create');
  if (!created) return [{ name: 'stop, run', fromMs: startMs, toMs: endMs }];
  return [
    { name: 'stop + remove', fromMs: startMs, toMs: atMs(created, originMs) },
    { name: 'start, until it answers', fromMs: atMs(created, originMs), toMs: endMs },
  ];
}
