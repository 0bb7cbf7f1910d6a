// The fleet part of npm run bench, on the simulated world (sim/fleet.ts, the helpers
// test/e2e/fleet.test.ts uses): three hosts from the one bootstrap user-data behind HAProxy
// configured like the target group, a rolling release of a new digest through the State Manager
// stand-in (MaxConcurrency 1, MaxErrors 0) under steady load through the load balancer, then one
// host killed under the same load.
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { simRelease } from '../sim/berth.js';
import { SimFleet, fleetSetup, loseHostUnderLoad, underLoad } from '../sim/fleet.js';
import { type World, createWorld } from '../sim/world.js';

type Record = (key: string, value: number, note: string) => void;

const HOSTS = 3;
const round = (x: number) => Math.round(x * 10) / 10;

export async function benchFleet(appImage: string, secondImage: string, record: Record): Promise<void> {
  let world: World | undefined;
  let fleet: SimFleet | undefined;
  try {
    world = await createWorld();
    await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
    const first = await world.pushImage(appImage, 'berth/notes');
    const second = await world.pushImage(secondImage, 'berth/notes');
    if (first.digest === second.digest) throw new Error('bench: the fleet needs two different digests to roll');
    const w = world;
    const release = (reference: string) => ({ setup: fleetSetup(w), release: simRelease(w, reference) });
    fleet = await SimFleet.create(world);
    await fleet.publish(release(first.reference));
    await Promise.all(Array.from({ length: HOSTS }, () => fleet!.launch()));
    for (const h of fleet.hosts) await fleet.lb.waitFor(h.instanceId, 'UP');

    const roll = await underLoad(fleet.lb.url, () => fleet!.release(release(second.reference), { maxConcurrency: 1, maxErrors: 0 }));
    if (roll.result.waiter.code !== 0) throw new Error(`bench: the fleet roll failed:\n${roll.result.waiter.stdout}\n${roll.result.waiter.stderr}`);
    record('fleet_hosts', fleet.hosts.length, 'simulated hosts behind HAProxy (configured like the target group), one user-data, no volume');
    record('fleet_release_s', round((roll.duringMs[1] - roll.duringMs[0]) / 1000), 'rolling release of a new digest, MaxConcurrency 1: association created → waiter ends 0 after every host');
    record('fleet_release_failed_requests', roll.load.failed, `requests failed through the load balancer during that roll, of ${roll.load.requests} (target 0)`);
    record('fleet_release_load_rps', Math.round(roll.load.requestsPerSecond), 'the steady load through the load balancer meanwhile (8 keep-alive connections; target ≥ 200)');

    const loss = await loseHostUnderLoad(fleet, fleet.hosts[1]!, { observeS: 20 });
    record('fleet_host_loss_failed_requests', loss.result.failed,
      `requests failed when one host was killed under load, of ${loss.load.requests}; DOWN ${round((loss.result.detectedAtMs - loss.result.killedAtMs) / 1000)} s after the kill, last failure ${round(loss.result.failureWindowMs / 1000)} s after it`);
  } finally {
    await fleet?.close();
    await world?.close();
  }
}
