// The day-2 commands berth prints are exact AWS CLI lines: checked as the argv a shell makes of them.
import { describe, expect, it } from 'vitest';
import { ssmCommands } from '../../infra/host/ssm-commands.js';
import { run } from '../../ops/run.js';

const commands = ssmCommands({ instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', container: 'berth-notes' });

/** What bash makes of a pasted line: one argument per line. */
async function words(line: string): Promise<string[]> {
  const result = await run(['bash', '-c', `printf '%s\\n' ${line}`]);
  return result.stdout.split('\n').slice(0, -1);
}

describe('SSM day-2 commands', () => {
  it('a shell is a plain session on the instance, in its region', async () => {
    expect(await words(commands.shell)).toEqual(['aws', 'ssm', 'start-session', '--region', 'eu-west-1', '--target', 'i-0123456789abcdef0']);
  });

  it('logs and exec run one docker command through AWS-StartInteractiveCommand, with sudo', async () => {
    const logs = await words(commands.logs);
    expect(logs.slice(0, 9)).toEqual([
      'aws', 'ssm', 'start-session', '--region', 'eu-west-1', '--target', 'i-0123456789abcdef0',
      '--document-name', 'AWS-StartInteractiveCommand',
    ]);
    expect(logs[9]).toBe('--parameters');
    expect(JSON.parse(logs[10]!)).toEqual({ command: ['sudo docker logs --follow --tail 100 berth-notes'] });
    expect(logs).toHaveLength(11);
    const exec = await words(commands.exec);
    expect(JSON.parse(exec[10]!)).toEqual({ command: ['sudo docker exec --interactive --tty berth-notes sh'] });
  });
});
