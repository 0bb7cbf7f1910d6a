// The lines deploy.sh prints that other programs read: its `say` prefixes every line with
// "berth: ", a failure with "berth: FAILED: <reason>" (on stderr, as its last line) and a
// release that went live with "berth: OK: <image> is healthy and serving" (on stdout). The
// release waiter (infra/release/waiter.ts) finds the host's reason by these prefixes.
export const FAILED_PREFIX = 'berth: FAILED: ';
export const OK_PREFIX = 'berth: OK: ';
