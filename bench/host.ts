// The host part of npm run bench: the rendered user-data on the simulated EC2 host
// (test/support/sim/), timed. The baseline, measured in the same run, is the same host booting a
// user-data whose script does nothing: the difference is what berth's deploy script costs. The
// redeploy's unavailability is measured from outside, by polling the host port every 100 ms.
import { deployScript } from '../infra/host/scripts.js';
import { containerShape } from '../infra/shape.js';
import { type HostRelease, multipart, renderCloudConfig, renderUserData } from '../infra/userdata.js';
import { REGISTRY_ADDRESS, type World, createWorld } from '../test/support/sim/world.js';

type Record = (key: string, value: number, note: string) => void;

const round = (x: number) => Math.round(x * 10) / 10;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function up(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}${containerShape.healthPath}`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

export async function benchHost(appImage: string, secondImage: string, record: Record): Promise<void> {
  let world: World | undefined;
  try {
    world = await createWorld();
    const w = world;
    const first = await w.pushImage(appImage, 'berth/notes');
    const second = await w.pushImage(secondImage, 'berth/notes');
    const release = (ref: string, volumeId: string): HostRelease => ({
      region: w.region,
      imageRef: ref,
      registry: REGISTRY_ADDRESS,
      registryUsername: w.registry.username,
      registryToken: { name: '/berth/bench/registry-token', version: 1 },
      secretEnv: {},
      env: { LOG_LEVEL: 'info' },
      volumeId,
      deviceName: '/dev/sdf',
      hostPort: 80,
    });
    const ssmParameters = { '/berth/bench/registry-token': w.registry.password };
    const mustBoot = async (host: Awaited<ReturnType<World['launchHost']>>) => {
      const boot = await host.waitForBoot({ timeoutMs: 300_000 });
      if (!boot.ok) throw new Error(`bench: boot ${boot.boot} failed:\n${(await host.consoleLog()).slice(-3000)}`);
    };

    // Baseline: the same boot, with a script that does nothing.
    const noop = multipart([
      { type: 'text/cloud-config', body: renderCloudConfig() },
      { type: 'text/x-shellscript', body: '#!/bin/bash\ntrue\n' },
    ]);
    const baselineVolume = await w.createVolume('vol-0bbbbbbbbbbbbbbb0', 64);
    const baseline = await timed(async () => mustBoot(await w.launchHost({ userData: noop, volume: baselineVolume })));

    const volume = await w.createVolume('vol-0aaaaaaaaaaaaaaa0', 256);
    const script = deployScript();
    let host: Awaited<ReturnType<World['launchHost']>> | undefined;
    const firstBoot = await timed(async () => {
      host = await w.launchHost({ userData: renderUserData(containerShape, release(first.reference, volume.volumeId), script), volume, ssmParameters });
      await mustBoot(host);
    });
    const reboot = await timed(async () => {
      await host!.reboot();
      await mustBoot(host!);
    });

    // Redeploy: poll the port from outside while the instance stops, starts and converges.
    let polling = true;
    let lastUp = performance.now();
    let longestGap = 0;
    const poller = (async () => {
      while (polling) {
        const now = performance.now();
        if (await up(host!.url)) {
          longestGap = Math.max(longestGap, now - lastUp);
          lastUp = now;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const redeploy = await timed(async () => {
      await host!.stopStart({ userData: renderUserData(containerShape, release(second.reference, volume.volumeId), script) });
      await mustBoot(host!);
    });
    // Until the poller itself has seen the new release answer, which closes the gap.
    while (performance.now() - lastUp > 500) await new Promise((r) => setTimeout(r, 100));
    polling = false;
    await poller;

    record('host_boot_baseline_s', round(baseline), 'simulated EC2 host: boot with a user-data that does nothing (cloud-init, dockerd)');
    record('host_first_boot_s', round(firstBoot), 'boot → healthy: mkfs, SSM, login, pull ~250 MB from the local registry, run');
    record('host_first_boot_berth_s', round(firstBoot - baseline), "what berth's deploy script adds to the first boot");
    record('host_reboot_s', round(reboot), 'reboot → converged (release already running: nothing pulled or replaced)');
    record('host_redeploy_s', round(redeploy), 'stop/start with a new digest → new release healthy');
    record('host_redeploy_unavailable_s', round(longestGap / 1000), 'longest gap in 200s from /healthz on the host port during that redeploy');
  } finally {
    await world?.close();
  }
}
