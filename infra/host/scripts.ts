// The shell that runs on the host, read from the files beside this one. This is the only I/O on the
// way to the release and the user-data; the renderers take the text as an argument.
import { readFileSync } from 'node:fs';

/** The deploy script, carried by every release (infra/release/bundle.ts). */
export const deployScript = (): string => readFileSync(new URL('./deploy.sh', import.meta.url), 'utf8');
/** The fetcher the user-data and the SSM document embed (POSIX sh functions only). */
export const fetchScript = (): string => readFileSync(new URL('./fetch-release.sh', import.meta.url), 'utf8');
