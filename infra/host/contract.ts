// The host contract, written once: the paths and names on the host that the program, the release
// and the deploy script share, and every BERTH_* variable the release file (infra/release/release.ts)
// and the host settings (host.env, infra/host/settings.ts) render for infra/host/deploy.sh to read.
// test/unit/host-contract.test.ts fails on a variable deploy.sh or fetch-release.sh reads that is
// not here, and on one here that nobody renders or reads. (The status lines deploy.sh writes are in
// infra/host/status-lines.ts.)

/** Names and paths on the host that releases and the host setup share. */
export const HOST_LAYOUT = {
  // The serving container's name comes from the app (infra/app/spec.ts, containerName): berth-<name>.
  /** The private network the proxy and the app share; the app publishes no port. */
  network: 'berth',
  proxy: 'berth-proxy',
  mount: '/var/lib/berth/data',
  /** A directory on the volume: it exists only while the volume is mounted. (A fleet host has no
   * volume: the same path is then a plain directory on the root disk.) */
  dataDir: '/var/lib/berth/data/app',
  /** Caddy's certificates and ACME account, on the volume so a replacement host keeps them (a
   * fleet host: a plain directory, as TLS ends at the load balancer and the host is disposable). */
  proxyDataDir: '/var/lib/berth/data/caddy',
  envFile: '/etc/berth/app.env',
  statusFile: '/var/lib/berth/status',
  /** The bundle (infra/release/bundle.ts) of the release that last went live: what a boot
   * converges to, with the deploy script that came with it. */
  liveDir: '/var/lib/berth/live',
  proxyConfigFile: '/etc/berth/caddy.json',
  acmeCaRootFile: '/etc/berth/acme-ca-root.pem',
  volumeWaitS: 300,
  /** Images of the repository kept on the host, the running one included: rollbacks need no pull. */
  keepImages: 3,
  /** The image ids this host released, the latest last: which images to keep. */
  releasedImagesFile: '/var/lib/berth/images',
} as const;

/** Every BERTH_* variable deploy.sh reads, with what it means. */
export const HOST_VARIABLES = {
  // The release file (release.env: what runs), infra/release/release.ts.
  BERTH_RELEASE: "the release's id: a fingerprint of everything that decides what runs",
  BERTH_IMAGE: 'the image to run, repository@sha256:…, never a tag',
  BERTH_REGISTRY: 'the registry host to log in to (docker.io for Docker Hub)',
  BERTH_REGISTRY_USER: 'the user the host logs in to the registry as',
  BERTH_TOKEN_PARAM: "the registry token's SSM parameter, name:version",
  BERTH_SECRET_ENV: 'array of NAME=parameter:version: secret env vars, read from SSM with the role',
  BERTH_ENV: 'array of NAME=value: plain env vars, written to the env file as they are',
  BERTH_CANDIDATE: "the new container's name while it is checked, beside the one serving",
  BERTH_APP_PORT: 'the port the app listens on inside its container',
  BERTH_HEALTH_PATH: 'the HTTP path that answers 2xx when the app is ready',
  BERTH_HEALTH_INTERVAL_S: 'seconds between health checks of the new container',
  BERTH_DEPLOY_TIMEOUT_S: 'seconds the new container has to become healthy',
  BERTH_DRAIN_TIMEOUT_S: 'seconds the old container has to finish its requests before SIGKILL',
  BERTH_RUN: "array: the release's `docker run` argv",
  // The host settings (host.env: where and how), infra/host/settings.ts.
  BERTH_REGION: 'the AWS region, for SSM and EC2 calls',
  BERTH_VOLUME_ID: "the data volume's id (vol-…), how the host finds its device; empty: no volume (a fleet host)",
  BERTH_DEVICE_NAME: "the attachment's device name (/dev/sdf), as Xen instances show it",
  BERTH_VOLUME_WAIT_S: 'seconds to wait for the data volume to appear',
  BERTH_MOUNT: 'where the data volume is mounted',
  BERTH_DATA_DIR: "the app's directory on the volume, bind-mounted into its container",
  BERTH_DATA_OWNER: 'uid:gid that owns the data directory: the container user',
  BERTH_PROXY_DATA_DIR: "the proxy's directory on the volume (certificates, ACME account)",
  BERTH_ENV_FILE: "the app's env file (plain and secret env), read by docker run --env-file",
  BERTH_STATUS_FILE: 'where deploy.sh writes its status line (infra/host/status-lines.ts)',
  BERTH_LIVE_DIR: 'the bundle of the release that last went live: what a boot converges to',
  BERTH_PROXY_CONFIG_FILE: "the proxy's config file on the host",
  BERTH_ACME_CA_ROOT_FILE: "a private ACME CA's root certificate on the host",
  BERTH_CONTAINER: "the serving container's name, which the proxy reaches it by",
  BERTH_NETWORK: 'the private network the proxy and the app share',
  BERTH_PROXY: "the proxy container's name",
  BERTH_PROXY_IMAGE: "the proxy's image (Caddy), by digest",
  BERTH_PROXY_PORT: 'the host port deploy.sh checks the proxy on',
  BERTH_KEEP_IMAGES: "images of the app's repository kept on the host, the running one included",
  BERTH_RELEASED_IMAGES_FILE: 'the image ids this host released, the latest last',
  BERTH_PROXY_RUN: "array: the proxy's `docker run` argv",
  // Fleet mode with a database (infra/host/settings.ts, HostSetup.database); absent otherwise.
  BERTH_DB_SECRET_ARN: "the RDS-managed secret (JSON username, password) read with the instance role at release time",
  BERTH_DB_HOST: "the database's address, given to the app as PGHOST",
  BERTH_DB_PORT: "the database's port, given to the app as PGPORT",
  BERTH_DB_NAME: "the database's name, given to the app as PGDATABASE",
} as const;

export type HostVariable = keyof typeof HOST_VARIABLES;
