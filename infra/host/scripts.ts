// The shell that runs on the host, read from the files beside this one. This is the only I/O on the
// way to the user-data; the renderer (infra/userdata.ts) takes the text as an argument.
import { readFileSync } from 'node:fs';

export const deployScript = (): string => readFileSync(new URL('./deploy.sh', import.meta.url), 'utf8');
